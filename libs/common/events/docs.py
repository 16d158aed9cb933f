"""Generate `docs/events.md`, the event catalogue, from the models.

Run `python -m libs.common.events.docs` to rewrite it, `--check` to fail when it is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, AwareDatetime, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from libs.common import identifiers
from libs.common.events.envelope import Event
from libs.common.events.registry import CATALOGUE_MODULES, event_models

DOCS_PATH = Path(__file__).resolve().parents[3] / "docs" / "events.md"

_IDENTIFIER_TYPES = {
    get_args(alias)[1].func: name
    for name, alias in vars(identifiers).items()
    if get_origin(alias) is Annotated and isinstance(get_args(alias)[1], AfterValidator)
}
_SIMPLE = {
    str: "string",
    int: "integer",
    bool: "boolean",
    Decimal: "decimal (JSON string)",
    uuid.UUID: "UUID",
    date: "date",
    datetime: "datetime",
    AwareDatetime: "datetime with offset",
}

_PREAMBLE = """\
# Event catalogue

Generated from `libs/common/events/catalogue/` by `python -m libs.common.events.docs`; do not
edit by hand (a test fails when this file differs from the models).

## Envelope

Every event travels as a [CloudEvents 1.0](https://github.com/cloudevents/spec) envelope
(`libs/common/events/envelope.py`) in **structured mode**: the whole envelope, as JSON, is the
Kafka message value.

| attribute | meaning |
|---|---|
| `id` | unique id of this event (UUID); consumers record it to process each event once |
| `source` | `/gridgov/<service>` of the producer |
| `type` | versioned type below, `gridgov.<service>.<aggregate>.<verb>.v<n>` |
| `subject` | the aggregate id: the value of the type's key field below |
| `time` | when the event was produced (RFC 3339, UTC) |
| `specversion` | `1.0` |
| `datacontenttype` | `application/json` |
| `requestid` | extension: id of the request that caused the event, carried into logs |
| `data` | the event's fields, as listed below |

- **Key**: the Kafka message key is the `subject`, so the events of one aggregate stay in
  order on one partition.
- **Topics**: one per producing service, `gridgov.<service>`. Partner tax and bank systems
  produce payment notices to `gridgov.partner.payments`.
- **Dead letters**: a message a consumer cannot process after bounded retries goes to
  `gridgov.<service>.dlq` of the consuming service, never deleted, replayable once fixed.
- **Versions**: a change that removes, renames or retypes a field is a new type version
  (`.v2`); adding an optional field is not. Money is a decimal string in yuan, times carry
  their UTC offset, unknown fields are rejected.

## Identifier types

Defined in `libs/common/identifiers.py`; an invalid code fails validation.

- `UnitCode`: 12-digit statistical division code, province 2 + city 2 + county 2 + town 3 +
  village 3 digits; a unit's subtree shares its non-zero prefix.
- `GridCellCode`: a village's `UnitCode` + a 3-digit cell number `001`–`999`.
- `CreditCode`: 18-character unified social credit code (GB 32100-2015) with its check
  character, upper case.
- `ResidentId`: 18-character resident ID number (GB 11643-1999), 17 digits with a valid birth
  date + ISO 7064 MOD 11-2 check (`X` for 10). Personal data: carried only on the partner topic,
  replaced everywhere else by its keyed hash (`person_key`).
"""


def render() -> str:
    """The Markdown text of the event catalogue."""
    extras: dict[str, type] = {}
    parts = [_PREAMBLE]
    for module in CATALOGUE_MODULES:
        models = event_models(module)
        notes = (module.__doc__ or "").strip().split("\n\n")[1:]
        intro = [f"Topic `{models[0].topic()}`.", *(" ".join(note.split()) for note in notes)]
        types_list = [f"- `{model.type}`" for model in models]
        parts.append("\n\n".join([f"## {models[0].service}", *intro, "\n".join(types_list)]) + "\n")
        parts.extend(_render_event(model, extras) for model in models)
    parts.append(_render_extras(extras))
    return "\n".join(parts)


def _render_event(model: type[Event], extras: dict[str, type]) -> str:
    return "\n".join(
        [
            f"### `{model.type}`",
            "",
            _first_line(model),
            "",
            f"Model `{model.__name__}`, key and subject `{model.aggregate_field}`.",
            "",
            *_field_table(model, extras),
        ]
    )


def _render_extras(extras: dict[str, type]) -> str:
    lines = ["## Value types", ""]
    done: set[str] = set()
    while remaining := sorted(set(extras) - done):
        name = remaining[0]
        done.add(name)
        kind = extras[name]
        lines.extend([f"### {name}", "", _first_line(kind), ""])
        if issubclass(kind, Enum):
            lines.extend(["| value |", "|---|", *(f"| `{m.value}` |" for m in kind), ""])
        elif issubclass(kind, BaseModel):
            lines.extend(_field_table(kind, extras))
    return "\n".join(lines).rstrip() + "\n"


def _field_table(model: type[BaseModel], extras: dict[str, type]) -> list[str]:
    rows = ["| field | type | required | description |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        required = "yes" if info.is_required() else f"no (default `{_default(info)}`)"
        label = _label(_full_annotation(info), extras)
        description = _cell(info.description or "")
        rows.append(f"| `{name}` | {label} | {required} | {description} |")
    return [*rows, ""]


def _full_annotation(info: FieldInfo) -> Any:
    if info.metadata:
        return Annotated[(info.annotation, *info.metadata)]
    return info.annotation


def _label(annotation: Any, extras: dict[str, type]) -> str:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        base, *meta = args
        named = [
            _IDENTIFIER_TYPES[m.func]
            for m in meta
            if isinstance(m, AfterValidator) and m.func in _IDENTIFIER_TYPES
        ]
        label = f"`{named[0]}`" if named else _label(base, extras)
        limits = _constraints(meta)
        return f"{label} ({', '.join(limits)})" if limits else label
    if origin in (Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        label = " or ".join(_label(arg, extras) for arg in present)
        return f"{label} or null" if len(present) < len(args) else label
    if origin in (tuple, list):
        return f"list of {_label(args[0], extras)}"
    if isinstance(annotation, type) and issubclass(annotation, Enum | BaseModel):
        extras[annotation.__name__] = annotation
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return _SIMPLE.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _constraints(metadata: list[Any]) -> list[str]:
    bounds = _bounds(metadata)
    limits = [
        _range(bounds, ("ge", "gt", "le", "lt")),
        _range(bounds, ("min_length", "max_length")),
    ]
    if "pattern" in bounds:
        limits.append(f"pattern `{_cell(str(bounds['pattern']))}`")
    if "decimal_places" in bounds:
        limits.append(f"{bounds['decimal_places']} decimals")
    return [limit for limit in limits if limit]


def _range(bounds: dict[str, Any], keys: tuple[str, ...]) -> str:
    symbols = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "min_length": "≥", "max_length": "≤"}
    present = [key for key in keys if key in bounds]
    prefix = "length " if "length" in keys[0] else ""
    if {"min_length", "max_length"} <= set(present):
        return f"length {bounds['min_length']}–{bounds['max_length']}"
    return prefix + ", ".join(f"{symbols[key]} {bounds[key]}" for key in present) if present else ""


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(_bounds(item.metadata))
            continue
        for key in (
            "ge",
            "gt",
            "le",
            "lt",
            "min_length",
            "max_length",
            "pattern",
            "decimal_places",
        ):
            if getattr(item, key, None) is not None:
                found[key] = getattr(item, key)
    return found


def _default(info: FieldInfo) -> str:
    return json.dumps(to_jsonable_python(info.get_default(call_default_factory=True)))


def _first_line(kind: type) -> str:
    return (kind.__doc__ or "").strip().splitlines()[0]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    """Write `docs/events.md`; with `--check`, report whether it is up to date instead."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else ""
        if current != text:
            print(f"{DOCS_PATH} is stale: run python -m libs.common.events.docs", file=sys.stderr)
            return 1
        return 0
    DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCS_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
