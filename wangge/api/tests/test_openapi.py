"""The OpenAPI document at /api/v1/openapi.json is complete: every operation documents its answer
and its errors with schemas."""

from django.test import Client


def _resolve(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_openapi_document_loads_and_every_path_has_response_schemas(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["paths"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            responses = operation["responses"]
            successes = [status for status in responses if status.startswith("2")]
            assert successes, where
            for status in [*successes, "401", "422"]:
                if status == "204":
                    continue
                if "image/jpeg" in responses[status].get("content", {}):  # a photo download
                    continue
                schema = responses[status]["content"]["application/json"]["schema"]
                assert _resolve(document, schema["$ref"])["properties"], (where, status)
            for status, answer in responses.items():
                if status.startswith("4"):
                    error = _resolve(document, answer["content"]["application/json"]["schema"]["$ref"])
                    assert {"code", "message"} <= set(error["properties"]), (where, status)
            assert operation.get("security"), f"{where} must require authentication"


def test_lists_are_paginated_with_a_limit_of_500(db):
    document = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/areas", "/api/v1/orgs/units"):
        operation = document["paths"][path]["get"]
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == 500
        page = _resolve(document, operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
        assert set(page["properties"]) == {"items", "count"}


def test_the_interactive_docs_load(db):
    assert Client().get("/api/v1/docs").status_code == 200


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_no_two_schemas_of_the_api_share_a_name(db):
    """The document names each schema by its class name alone: two apps' `VisitIn` (a case's return
    visit, a household visit) once became one, and the case endpoint documented the other's body."""
    from ninja import Schema

    Client().get("/api/v1/openapi.json")  # every router mounted, every schema imported
    # Top-level classes: the paginators' nested `Input` are query parameters, laid out flat.
    mine = {cls for cls in _subclasses(Schema) if cls.__module__.startswith("wangge.") and "." not in cls.__qualname__}
    by_name: dict[str, set[str]] = {}
    for cls in mine:
        by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: places for name, places in by_name.items() if len(places) > 1} == {}
