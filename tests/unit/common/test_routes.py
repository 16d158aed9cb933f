"""Each service's routes: no two answer the same request, so the routers' order (chosen for
speed, the busiest first) never decides which one does."""

from __future__ import annotations

import importlib
import re

import pytest
from starlette.routing import compile_path

from libs.common.app import create_service_app
from libs.common.settings import load_settings

SERVICES = ("enrollment", "hazards", "grid", "scoring")
SAMPLE = "320115101001"
"""What stands for every path parameter: a unit code, a number, an id as one segment."""


@pytest.mark.parametrize("service", SERVICES)
def test_no_two_routes_of_a_service_answer_the_same_request(service):
    spec = importlib.import_module(f"services.{service}.app").SPEC
    paths = create_service_app(spec, load_settings(service)).openapi()["paths"]
    routes = [(path, method) for path, item in paths.items() for method in item]
    assert len(routes) > 3
    for path, method in routes:
        request = re.sub(r"\{[^}]+\}", SAMPLE, path)
        answering = [
            other
            for other, other_method in routes
            if other_method == method and compile_path(other)[0].match(request)
        ]
        assert answering == [path], f"{method.upper()} {request}"


def test_the_partner_payment_routes_come_first_in_enrollment():
    spec = importlib.import_module("services.enrollment.app").SPEC
    first = {route.path for route in spec.routers[0].routes}
    assert "/partner/payments" in first
