"""Who may call a route, declared beside it and enforced by the platform before the use case.

Every route of every service takes exactly one policy dependency, `allow(policy)` (or
`allow_signed(policy)` for a partner's signed creating request), and `create_service_app`
refuses to start when a route has none (`ensure_declared`). A policy is a list of grants:
the roles that may call, and for each how the resource's unit (or partner, or enterprise) is
found and compared with the caller:

- `Public()`: anyone, no credentials (health, metrics, the API's own documents);
- `Anywhere()`: the role is enough (a list the use case filters to the caller's subtree, a
  policy document, an internal service call);
- `FromPath(name)`, `FromQuery(name)`, `FromBody(field)`: the unit the caller names must lie
  in the caller's jurisdiction, 403 otherwise (the caller knows the unit: nothing is revealed);
- `Loaded(loader)`: the unit is read from the database by `loader`, a FastAPI dependency
  taking the route's parameters (a delivery's units, a snapshot's campaign); unknown and
  outside answer alike, 404, because existence itself is private (`private=False` answers
  403 outside). `overlap=True` also lets a caller below the unit in (a district campaign seen
  by a town officer: the use case then shows that town's units only, see `within`);
- `OwnEnterprise(param)`: an enterprise reads only what is filed under its own unified social
  credit code (the token's `credit_code` claim); another's answers 404;
- `OwnPartner(loader)`: a partner system, authenticated by its signature, sees only its own
  submissions; `loader` reads the resource's partner id, another partner's answers 404.

Refusals are counted in `gridgov_access_refusals_total` (the generated access matrix test
reads it to tell the platform's refusal from a use case's own answer).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from prometheus_client import Counter
from starlette.routing import Route

from libs.common import identifiers
from libs.common.auth import Principal, Role
from libs.common.deps import get_current_user, get_partner, get_partner_request
from libs.common.errors import Forbidden, GridgovError, NotFound

REFUSALS = Counter(
    "gridgov_access_refusals_total",
    "Requests the access policy of their route refused, by answer.",
    ["status"],
)
UNCHECKED = "-"
"""What a loader returns when the request does not name its resource readably (a body field
missing or malformed, an unknown referent): the check passes and the route answers it (422)."""
ANONYMOUS = Principal(subject="anonymous", roles=frozenset(), jurisdiction="")
Loader = Callable[..., Awaitable[str | None]]
"""A FastAPI dependency reading the resource's unit (or partner id); None when unknown."""
T = TypeVar("T")


@dataclass(frozen=True)
class Public:
    """Anyone, without credentials."""

    label = "allowed"


@dataclass(frozen=True)
class Anywhere:
    """The role is enough."""

    label = "allowed"


@dataclass(frozen=True)
class FromPath:
    """The unit is the path parameter `name`."""

    name: str
    label = "own subtree"


@dataclass(frozen=True)
class FromQuery:
    """The unit is the query parameter `name`."""

    name: str
    label = "own subtree"


@dataclass(frozen=True)
class FromBody:
    """The unit is the JSON body's field `name`."""

    name: str
    label = "own subtree"


@dataclass(frozen=True)
class Loaded:
    """The unit is read from the database by `loader` (a dependency); see the module doc."""

    loader: Loader
    what: str = "resource"
    private: bool = True
    overlap: bool = False
    label = "own subtree"


@dataclass(frozen=True)
class OwnEnterprise:
    """The path parameter `name` must be the caller's own credit code."""

    name: str = "credit_code"
    label = "own enterprise"


@dataclass(frozen=True)
class OwnPartner:
    """A signed partner; `loader` (if any) reads the resource's partner id."""

    loader: Loader | None = None
    what: str = "resource"
    label = "own partner"


Scope = Public | Anywhere | FromPath | FromQuery | FromBody | Loaded | OwnEnterprise | OwnPartner


@dataclass(frozen=True)
class Grant:
    """Roles and how the resource they may reach is found."""

    roles: tuple[str, ...]
    scope: Scope


@dataclass(frozen=True)
class Policy:
    """A route's access policy: its grants, tried in order for the roles the caller holds."""

    grants: tuple[Grant, ...]
    summary: str = field(default="", compare=False)

    @classmethod
    def of(cls, *grants: tuple[Sequence[str], Scope]) -> Policy:
        """A policy from (roles, scope) pairs."""
        return cls(tuple(Grant(tuple(roles), scope) for roles, scope in grants))

    @property
    def public(self) -> bool:
        """Anyone may call, without credentials."""
        return any(isinstance(g.scope, Public) for g in self.grants)

    @property
    def signed(self) -> bool:
        """Only a partner's signed request may call."""
        return any(isinstance(g.scope, OwnPartner) for g in self.grants)

    def loaders(self) -> list[Loader]:
        """The loader dependencies its grants read."""
        found: list[Loader] = []
        for grant in self.grants:
            loader = getattr(grant.scope, "loader", None)
            if loader is not None and loader not in found:
                found.append(loader)
        return found

    def cell(self, role: str | None) -> str:
        """What the role may reach, as the access matrix shows it (None: no credentials)."""
        if self.public:
            return "allowed"
        if role is None:
            return "refused"
        if self.signed != (role == Role.PARTNER):
            return "refused"
        for grant in self.grants:
            if role in grant.roles:
                scope = grant.scope
                private = isinstance(scope, OwnEnterprise | OwnPartner) or (
                    isinstance(scope, Loaded) and scope.private
                )
                label = scope.label
                if isinstance(scope, OwnPartner) and scope.loader is None:
                    return label
                return f"{label} (404)" if private and label != "allowed" else label
        return "refused"


def public() -> Policy:
    """Anyone, without credentials."""
    return Policy.of(((), Public()))


def allow(policy: Policy) -> Any:
    """The route's one access dependency: it returns the checked caller (`Principal`)."""
    if policy.signed:
        return Depends(_signed_checker(policy, get_partner, lambda p: p))
    return Depends(_checker(policy))


def allow_signed(policy: Policy) -> Any:
    """For a partner's signed creating request: returns the `PartnerRequest` once checked."""
    assert policy.signed, "allow_signed is for OwnPartner policies"
    return Depends(_signed_checker(policy, get_partner_request, lambda r: r.partner))


def policy_of(route: Any) -> Policy | None:
    """The policy a route declared (its one policy dependency), None without one."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    found = [
        getattr(d.call, "__access_policy__", None)
        for d in dependant.dependencies
        if getattr(d.call, "__access_policy__", None) is not None
    ]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Operation:
    """A route as served: its full path, methods and declared policy (None: undeclared)."""

    path: str
    methods: tuple[str, ...]
    name: str
    policy: Policy | None


def operations(app: FastAPI, public_paths: Iterable[str] = ()) -> list[Operation]:
    """Every route of the app (included routers' too), with its policy; `public_paths`
    are FastAPI's own documents, which cannot take a dependency and are public."""
    documents = set(public_paths)
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = str(context.path or getattr(route, "path", ""))
        if isinstance(route, APIRoute):
            policy = policy_of(route)
        elif isinstance(route, Route):
            policy = public() if path in documents else None
        else:
            continue
        methods = tuple(sorted(getattr(route, "methods", None) or ()))
        found.append(Operation(path, methods, context.name or "", policy))
    return found


def ensure_declared(app: FastAPI, public_paths: Iterable[str]) -> None:
    """Refuse to start when a route declares no access policy (or more than one)."""
    missing = [
        f"{'/'.join(op.methods)} {op.path}"
        for op in operations(app, public_paths)
        if op.policy is None
    ]
    if missing:
        raise RuntimeError(
            "Routes without exactly one access policy (libs/common/access.py): "
            + "; ".join(missing)
        )


def within(user: Principal, items: Iterable[T], unit_of: Callable[[T], str]) -> list[T]:
    """The items whose unit lies in the caller's subtree: how lists and reports over a
    scope wider than the caller's jurisdiction are shown to them."""
    return [item for item in items if user.covers(unit_of(item))]


def common_ancestor(units: Sequence[str]) -> str | None:
    """The lowest unit whose subtree holds every one of `units` (None for none, or when they
    share no province)."""
    if not units:
        return None
    common: set[str] | None = None
    for unit in units:
        try:
            chain = {unit, *identifiers.ancestors(unit)}
        except identifiers.InvalidIdentifier:
            return None
        common = chain if common is None else common & chain
    return max(common or set(), key=lambda u: len(identifiers.unit_prefix(u)), default=None)


def credit_code_of(user: Principal) -> str | None:
    """The enterprise's unified social credit code the caller's token is bound to (enterprise
    users only)."""
    if not user.has_any(Role.ENTERPRISE):
        return None
    code = user.claims.get("credit_code")
    return code if isinstance(code, str) and code else None


async def body_field(request: Request, name: str) -> object:
    """A field of the request's JSON body (None when absent or not JSON), for a loader."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return None
    return body.get(name) if isinstance(body, dict) else None


def _refuse(error: GridgovError) -> GridgovError:
    REFUSALS.labels(status=str(error.status)).inc()
    return error


def _checker(policy: Policy) -> Callable[..., Awaitable[Principal]]:
    loaders = policy.loaders()

    async def check(request: Request, **kw: Any) -> Principal:
        if policy.public:
            return ANONYMOUS
        user: Principal = kw["user"]
        loaded = {loader: kw[f"loaded_{i}"] for i, loader in enumerate(loaders)}
        granted = [g for g in policy.grants if user.has_any(*g.roles)]
        if not granted:
            roles = sorted({r for g in policy.grants for r in g.roles})
            raise _refuse(Forbidden(f"This action needs one of the roles: {', '.join(roles)}."))
        failure: GridgovError | None = None
        for grant in granted:
            error = await _check_scope(grant.scope, user, request, loaded)
            if error is None:
                return user
            failure = failure or error
        assert failure is not None
        raise _refuse(failure)

    params = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    if not policy.public:
        params.append(_param("user", Principal, get_current_user))
    params += [_param(f"loaded_{i}", str | None, f) for i, f in enumerate(loaders)]
    check.__signature__ = inspect.Signature(params, return_annotation=Principal)  # type: ignore[attr-defined]
    check.__access_policy__ = policy  # type: ignore[attr-defined]
    return check


def _signed_checker(
    policy: Policy, authenticate: Callable[..., Any], principal_of: Callable[[Any], Principal]
) -> Callable[..., Awaitable[Any]]:
    loaders = policy.loaders()

    async def check(**kw: Any) -> Any:
        signed = kw["signed"]
        partner = principal_of(signed)
        for i, _ in enumerate(loaders):
            owner = kw[f"loaded_{i}"]
            if owner is None or owner != partner.partner_id:
                raise _refuse(NotFound("Nothing of yours here."))
        return signed

    params = [_param("signed", Any, authenticate)]
    params += [_param(f"loaded_{i}", str | None, f) for i, f in enumerate(loaders)]
    check.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    check.__access_policy__ = policy  # type: ignore[attr-defined]
    return check


def _param(name: str, annotation: Any, dependency: Callable[..., Any]) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[annotation, Depends(dependency)],
    )


async def _check_scope(
    scope: Scope, user: Principal, request: Request, loaded: dict[Loader, str | None]
) -> GridgovError | None:
    if isinstance(scope, Anywhere | Public):
        return None
    if isinstance(scope, FromPath | FromQuery | FromBody):
        unit = await _named_unit(scope, request)
        if unit is None or user.covers(unit):
            return None  # absent or malformed: the route's validation answers 422
        return Forbidden(
            f"Unit {unit} is outside your jurisdiction {user.jurisdiction}.", field=scope.name
        )
    if isinstance(scope, Loaded):
        unit = loaded[scope.loader]
        if unit == UNCHECKED:
            return None
        if unit is not None and (user.covers(unit) or (scope.overlap and _above(unit, user))):
            return None
        if unit is None or scope.private:
            return NotFound(f"No {scope.what} in your jurisdiction.")
        return Forbidden(f"This {scope.what} is outside your jurisdiction {user.jurisdiction}.")
    if isinstance(scope, OwnEnterprise):
        own = credit_code_of(user)
        if own is not None and request.path_params.get(scope.name) == own:
            return None
        return NotFound("No such record of your enterprise.")
    return Forbidden("Only a partner's signed request may call this.")


def _above(unit: str, user: Principal) -> bool:
    """The unit's subtree holds the caller's jurisdiction (a campaign above them)."""
    try:
        return identifiers.is_within(user.jurisdiction, unit)
    except identifiers.InvalidIdentifier:
        return False


async def _named_unit(scope: FromPath | FromQuery | FromBody, request: Request) -> str | None:
    value: object
    if isinstance(scope, FromPath):
        value = request.path_params.get(scope.name)
    elif isinstance(scope, FromQuery):
        value = request.query_params.get(scope.name)
    else:
        value = await body_field(request, scope.name)
    if not isinstance(value, str):
        return None
    try:
        return identifiers.validate_unit_code(value)
    except identifiers.InvalidIdentifier:
        return None
