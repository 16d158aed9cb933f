"""Where an inspection took place against where the entity is (DOMAIN §3: "the distance from
the entity's location flagged when too far (policy)").

Points carry their datum: WGS-84 (what a phone's GPS gives) or GCJ-02 (what maps published in
China give, offset by up to several hundred metres). Two points are compared only in the same
datum; converting between them is the client's or a maintained library's job, not done here.

Distance: the haversine great-circle distance on a sphere of the mean Earth radius
(6 371 008.8 m), within 0.5 % of the ellipsoidal distance, far finer than a phone's fix.

A point is *too far* when even the nearest place its accuracy circle allows is farther than
the policy's limit: `distance − accuracy > max_distance_m` (the benefit of the doubt goes to
the inspector), with the distance rounded to centimetres. A fix less precise than
`max_accuracy_m` proves nothing either way: *imprecise*.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from .errors import DatumMismatch, InvalidInput
from .policy_base import PolicyModel, parse_policy

EARTH_MEAN_RADIUS_M = 6_371_008.8


class Datum(StrEnum):
    """The coordinate system of a point."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"


@dataclass(frozen=True)
class GeoPoint:
    """A latitude and longitude in degrees, in a datum."""

    latitude: float
    longitude: float
    datum: Datum

    def __post_init__(self) -> None:
        if not (math.isfinite(self.latitude) and -90 <= self.latitude <= 90):
            raise InvalidInput(f"latitude {self.latitude} is outside −90…90", field="latitude")
        if not (math.isfinite(self.longitude) and -180 <= self.longitude <= 180):
            raise InvalidInput(f"longitude {self.longitude} is outside −180…180", field="longitude")


class GeoPolicy(PolicyModel):
    """How far from the entity an inspection may be recorded, and how precise a fix must be."""

    version: str = Field(min_length=1, max_length=64)
    max_distance_m: Decimal = Field(gt=0, le=100_000)
    max_accuracy_m: Decimal = Field(gt=0, le=100_000)


def parse_geo_policy(text: str) -> GeoPolicy:
    """Parse and validate a location policy from TOML text."""
    return parse_policy(GeoPolicy, text)


def distance_m(first: GeoPoint, second: GeoPoint) -> float:
    """The haversine distance in metres between two points of the same datum."""
    if first.datum is not second.datum:
        raise DatumMismatch(
            f"cannot compare a {first.datum} point with a {second.datum} one", field="datum"
        )
    lat1, lat2 = math.radians(first.latitude), math.radians(second.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(second.longitude - first.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class LocationVerdict(StrEnum):
    """What an inspection's point says about where it was done."""

    NEAR = "near"
    TOO_FAR = "too_far"
    IMPRECISE = "imprecise"


@dataclass(frozen=True)
class LocationCheck:
    """The distance from the entity and the verdict the policy gives it."""

    distance_m: float
    verdict: LocationVerdict


def check_location(
    inspection_point: GeoPoint, accuracy_m: float, entity_point: GeoPoint, policy: GeoPolicy
) -> LocationCheck:
    """Whether an inspection's point is near its entity, too far, or too imprecise to tell."""
    if not (math.isfinite(accuracy_m) and accuracy_m >= 0):
        raise InvalidInput(f"accuracy {accuracy_m} m is not a distance", field="accuracy_m")
    # centimetres: finer is float noise, and a limit of exactly 300 m must hold at 300 m
    distance = round(distance_m(inspection_point, entity_point), 2)
    if accuracy_m > policy.max_accuracy_m:
        return LocationCheck(distance, LocationVerdict.IMPRECISE)
    if distance - accuracy_m > policy.max_distance_m:
        return LocationCheck(distance, LocationVerdict.TOO_FAR)
    return LocationCheck(distance, LocationVerdict.NEAR)


def too_far(
    inspection_point: GeoPoint, accuracy_m: float, entity_point: GeoPoint, policy: GeoPolicy
) -> bool:
    """Whether the inspection is flagged as recorded too far from its entity."""
    check = check_location(inspection_point, accuracy_m, entity_point, policy)
    return check.verdict is LocationVerdict.TOO_FAR
