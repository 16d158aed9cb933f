import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.grid.domain.errors import DatumMismatch, InvalidInput, InvalidPolicy
from services.grid.domain.geo import (
    Datum,
    GeoPoint,
    LocationVerdict,
    check_location,
    distance_m,
    parse_geo_policy,
    too_far,
)
from services.grid.policy import load_geo_policy

POLICY = load_geo_policy()  # 300 m, accuracy 200 m
ENTITY = GeoPoint(32.0, 118.8, Datum.WGS84)
METRES_PER_DEGREE_LATITUDE = math.pi * 6_371_008.8 / 180


def north_of(point: GeoPoint, metres: float) -> GeoPoint:
    return GeoPoint(
        point.latitude + metres / METRES_PER_DEGREE_LATITUDE, point.longitude, point.datum
    )


def test_known_distances():
    assert distance_m(ENTITY, ENTITY) == 0
    assert distance_m(ENTITY, north_of(ENTITY, 1000)) == pytest.approx(1000, abs=1e-6)
    # Nanjing Xinjiekou to Beijing Tiananmen, about 899 km
    nanjing, beijing = (
        GeoPoint(32.0415, 118.7784, Datum.GCJ02),
        GeoPoint(39.9087, 116.3975, Datum.GCJ02),
    )
    assert distance_m(nanjing, beijing) == pytest.approx(899_000, rel=0.005)


def test_points_in_different_datums_are_not_compared():
    with pytest.raises(DatumMismatch):
        distance_m(ENTITY, GeoPoint(32.0, 118.8, Datum.GCJ02))


@pytest.mark.parametrize(
    ("metres", "accuracy", "verdict"),
    [
        (0, 5, LocationVerdict.NEAR),
        (300, 0, LocationVerdict.NEAR),
        (301, 0, LocationVerdict.TOO_FAR),
        (450, 150, LocationVerdict.NEAR),  # the accuracy circle reaches within 300 m
        (451, 150, LocationVerdict.TOO_FAR),
        (500, 200, LocationVerdict.NEAR),
        (5000, 201, LocationVerdict.IMPRECISE),
    ],
)
def test_too_far_gives_the_benefit_of_the_accuracy_circle(metres, accuracy, verdict):
    point = north_of(ENTITY, metres)
    check = check_location(point, accuracy, ENTITY, POLICY)
    assert check.verdict is verdict
    assert too_far(point, accuracy, ENTITY, POLICY) is (verdict is LocationVerdict.TOO_FAR)


coordinates = st.builds(
    GeoPoint,
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.just(Datum.WGS84),
)


@given(coordinates, coordinates, coordinates)
def test_distance_is_a_metric(a, b, c):
    assert distance_m(a, b) == pytest.approx(distance_m(b, a), abs=1e-6)
    assert 0 <= distance_m(a, b) <= math.pi * 6_371_008.8 + 1e-6
    assert distance_m(a, c) <= distance_m(a, b) + distance_m(b, c) + 1e-6


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (0, 181), (math.nan, 0), (0, math.inf)])
def test_impossible_points_are_refused(lat, lon):
    with pytest.raises(InvalidInput):
        GeoPoint(lat, lon, Datum.WGS84)


def test_bad_accuracy_and_policy_are_refused():
    with pytest.raises(InvalidInput):
        check_location(ENTITY, -1, ENTITY, POLICY)
    with pytest.raises(InvalidPolicy):
        parse_geo_policy('version = "t"\nmax_distance_m = 0\nmax_accuracy_m = 10')
