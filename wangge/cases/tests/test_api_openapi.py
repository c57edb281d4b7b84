"""The cases operations in /api/v1/openapi.json: each one documents its success answer and its
errors with schemas, and needs authentication."""

from django.test import Client

EXPECTED = {
    ("post", "/api/v1/cases"): "201",
    ("get", "/api/v1/cases"): "200",
    ("get", "/api/v1/cases/nearby"): "200",
    ("get", "/api/v1/cases/satisfaction"): "200",
    ("get", "/api/v1/cases/{case_id}"): "200",
    ("get", "/api/v1/cases/{case_id}/timeline"): "200",
    ("post", "/api/v1/cases/{case_id}/co-handlings/{co_id}/finish"): "200",
    ("post", "/api/v1/cases/{case_id}/extensions/{extension_id}/decide"): "200",
    ("post", "/api/v1/cases/{case_id}/photos"): "201",
    ("get", "/api/v1/cases/{case_id}/photos/{photo_id}"): "200",  # a JPEG, not JSON
    **{
        ("post", f"/api/v1/cases/{{case_id}}/{name}"): "200"
        for name in [
            "accept",
            "reject",
            "dispatch",
            "start",
            "return",
            "hold",
            "resume",
            "handle",
            "verify",
            "visit",
            "close",
            "merge",
            "category",
            "co-handlers",
            "extension",
            "urge",
            "supervise",
        ]
    },
}


def _resolve(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_cases_operation_is_documented_with_schemas(db):
    document = Client().get("/api/v1/openapi.json").json()
    found = {
        (method, path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/cases")
        for method in operations
    }
    assert found == set(EXPECTED)
    for (method, path), success in EXPECTED.items():
        operation = document["paths"][path][method]
        where = f"{method.upper()} {path}"
        assert operation.get("summary") and operation.get("security"), where
        responses = operation["responses"]
        if path.endswith("{photo_id}"):
            assert "image/jpeg" in responses[success]["content"], where
        for status in (success, "401", "422") if not path.endswith("{photo_id}") else ("401", "422"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert _resolve(document, schema["$ref"])["properties"], (where, status)
        for status, answer in responses.items():
            if status.startswith("4"):
                error = _resolve(document, answer["content"]["application/json"]["schema"]["$ref"])
                assert {"code", "message"} <= set(error["properties"]), (where, status)
        if method == "post" and path != "/api/v1/cases":
            assert {"403", "404"} <= set(responses), where


def test_the_detail_never_documents_the_encrypted_contact(db):
    document = Client().get("/api/v1/openapi.json").json()
    detail = document["components"]["schemas"]["CaseDetailOut"]["properties"]
    assert "reporter_contact_masked" in detail
    assert not [name for name in detail if "encrypted" in name or name == "reporter_contact"]
