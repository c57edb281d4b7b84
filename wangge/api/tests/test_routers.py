"""Each app registers its own routers with the API, which imports no app above it: the routers
are mounted in the order of INSTALLED_APPS, the API's own last."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from ninja import Router

from wangge.api.api import api, register_router

API_DIR = Path(__file__).resolve().parent.parent
# The apps above the API in the layers (docs: lib → accounts → api → areas → … → web).
ABOVE_THE_API = (
    "areas",
    "calendars",
    "people",
    "cases",
    "orgs",
    "fieldwork",
    "resources",
    "open311",
    "ledgers",
    "dashboard",
    "demo",
    "web",
)


def test_the_routers_are_mounted_in_the_order_of_installed_apps_and_the_apis_own_last():
    prefixes = [prefix for prefix, _router in api._routers if prefix]
    assert prefixes == [
        *("/areas", "/orgs", "/coverage", "/workdays", "/cases", "/notifications"),
        *(
            "/briefings",
            "/patrols",
            "/visits",
            "/fieldwork",
            "/assistance",
            "/facilities",
            "/bookings",
            "/social-orgs",
            "/agreements",
            "/meetings",
            "/decisions",
            "/activities",
            "/volunteers",
            "/roster",
            "/assessment",
            "/wishes",
            "/deeds",
            "/registrations",
            "/commitments",
            "/dashboard",
            "/tokens",
        ),
    ]


def test_a_router_registered_once_the_routers_are_mounted_is_refused():
    with pytest.raises(ImproperlyConfigured, match="/late"):
        register_router("/late", Router())


def test_the_api_imports_no_app_above_it():
    found = []
    for path in sorted(API_DIR.rglob("*.py")):
        if "tests" in path.relative_to(API_DIR).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):  # `from wangge import cases` names the app too
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            found += [
                f"{path.relative_to(API_DIR)}: {name}"
                for name in names
                if name.split(".")[:2] in [["wangge", app] for app in ABOVE_THE_API]
            ]
    assert found == []
