"""The registry of event types: CloudEvents `type` string → pydantic model."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from types import ModuleType

from libs.common.events.catalogue import enrollment, grid, hazards, partner, scoring
from libs.common.events.envelope import Envelope, Event

TYPE_PATTERN = re.compile(r"^gridgov\.[a-z]+\.[a-z_]+\.[a-z_]+\.v\d+$")
CATALOGUE_MODULES: tuple[ModuleType, ...] = (enrollment, hazards, grid, scoring, partner)


class UnknownEventType(LookupError):
    """No model is registered for an event type string."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class DuplicateEventType(ValueError):
    """Two models claim the same event type string."""


class InvalidEventModel(TypeError):
    """A model does not declare what every catalogue event must."""


class SubjectMismatch(ValueError):
    """An envelope's subject differs from the aggregate id of its data."""


class EventRegistry:
    """A set of event models, looked up by their `type`."""

    def __init__(self, models: Iterable[type[Event]] = ()) -> None:
        self._models: dict[str, type[Event]] = {}
        for model in models:
            self.register(model)

    @classmethod
    def from_modules(cls, modules: Iterable[ModuleType]) -> EventRegistry:
        """Register every concrete `Event` subclass defined in `modules`."""
        return cls(model for module in modules for model in event_models(module))

    def register(self, model: type[Event]) -> type[Event]:
        """Add a model after checking its declarations; reject a taken type string."""
        _check(model)
        taken = self._models.get(model.type)
        if taken is not None and taken is not model:
            raise DuplicateEventType(
                f"{model.type!r} is declared by both {_name(taken)} and {_name(model)}"
            )
        self._models[model.type] = model
        return model

    def model_for(self, event_type: str) -> type[Event]:
        """The model of an event type; `UnknownEventType` if none."""
        try:
            return self._models[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def parse(self, envelope: Envelope) -> Event:
        """Validate an envelope's data against the model of its type."""
        event = self.model_for(envelope.type).model_validate(envelope.data)
        if event.subject() != envelope.subject:
            raise SubjectMismatch(
                f"{envelope.type} envelope {envelope.id}: subject {envelope.subject!r}"
                f" but {event.aggregate_field} is {event.subject()!r}"
            )
        return event

    def all_event_types(self) -> list[str]:
        """Every registered type string, sorted."""
        return sorted(self._models)

    def models(self) -> list[type[Event]]:
        """Every registered model, in registration order."""
        return list(self._models.values())

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._models

    def __iter__(self) -> Iterator[str]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)


def event_models(module: ModuleType) -> list[type[Event]]:
    """The concrete event models (those that set `type`) defined in a module."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Event)
        and value.__module__ == module.__name__
        and "type" in vars(value)
    ]


def _check(model: type[Event]) -> None:
    event_type = vars(model).get("type")
    if not isinstance(event_type, str) or not TYPE_PATTERN.fullmatch(event_type):
        raise InvalidEventModel(f"{_name(model)}: type {event_type!r} is not versioned gridgov.*")
    if event_type.split(".")[1] != getattr(model, "service", None):
        raise InvalidEventModel(f"{_name(model)}: type {event_type!r} names another service")
    if getattr(model, "aggregate_field", None) not in model.model_fields:
        raise InvalidEventModel(f"{_name(model)}: aggregate_field is not one of its fields")
    if not (model.__doc__ or "").strip():
        raise InvalidEventModel(f"{_name(model)}: needs a one-line docstring")


def _name(model: type) -> str:
    return f"{model.__module__}.{model.__qualname__}"


REGISTRY = EventRegistry.from_modules(CATALOGUE_MODULES)


def model_for(event_type: str) -> type[Event]:
    """The catalogue model of an event type; `UnknownEventType` if none."""
    return REGISTRY.model_for(event_type)


def parse(envelope: Envelope) -> Event:
    """Validate an envelope's data against the catalogue model of its type."""
    return REGISTRY.parse(envelope)


def all_event_types() -> list[str]:
    """Every type string in the catalogue, sorted."""
    return REGISTRY.all_event_types()
