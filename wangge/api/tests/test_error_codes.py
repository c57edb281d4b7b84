"""The API and Open311 answer a stable error code as its plain string, and the OpenAPI document
lists each operation's codes with their status and meaning. That every code raised in an app
is a member of an enum with the member's status, and every member is raised, is checked for
every app in `wangge/lib/tests/test_error_codes.py`."""

import re

import pytest
from django.test import Client

from wangge.api.errors import ApiError, answers
from wangge.assistance.errors import AssistanceError
from wangge.cases.errors import CaseError
from wangge.dashboard.errors import DashboardError
from wangge.fieldwork.errors import FieldworkError
from wangge.open311.errors import Open311Code, Open311Error
from wangge.resources.errors import ResourceError
from wangge.team.errors import TeamError
from wangge.volunteers.errors import VolunteerError


def test_an_open311_error_carries_the_plain_string():
    assert Open311Error(400, Open311Code.STATUS_INVALID, "x").codes == "status_invalid"


def test_the_error_body_gives_the_plain_string(db):
    response = Client().get("/api/v1/areas")
    assert response.status_code == 401
    assert b'"code": "unauthenticated"' in response.content or b'"code":"unauthenticated"' in response.content


def test_a_code_is_declared_once_per_operation():
    with pytest.raises(ValueError, match="twice"):
        answers(ApiError.NOT_FOUND, ApiError.NOT_FOUND)


_LISTED = re.compile(r"^- (\d{3}) `([a-z0-9_]+)`: (.+)$", re.MULTILINE)
_MEMBERS = {
    member.value: member
    for enum in (
        ApiError,
        CaseError,
        FieldworkError,
        AssistanceError,
        ResourceError,
        TeamError,
        VolunteerError,
        DashboardError,
    )
    for member in enum
}


def _listed(operation: dict) -> list[tuple[int, str, str]]:
    return [(int(status), code, meaning) for status, code, meaning in _LISTED.findall(operation["description"])]


def test_each_operation_lists_its_codes_with_their_status_and_meaning(db):
    document = Client().get("/api/v1/openapi.json").json()
    handle = document["paths"]["/api/v1/cases/{case_id}/handle"]["post"]
    assert _listed(handle) == [
        (400, "result_required", CaseError.RESULT_REQUIRED.meaning),
        (403, "forbidden", CaseError.FORBIDDEN.meaning),
        (404, "not_found", ApiError.NOT_FOUND.meaning),
        (409, "transition_not_allowed", CaseError.TRANSITION_NOT_ALLOWED.meaning),
        (409, "stale_version", CaseError.STALE_VERSION.meaning),
        (409, "co_handlers_open", CaseError.CO_HANDLERS_OPEN.meaning),
    ]
    locate = document["paths"]["/api/v1/areas/locate"]["get"]
    assert [code for _status, code, _meaning in _listed(locate)] == [
        "coordinates_out_of_range",
        "outside_every_grid",
        "not_found",
    ]
    # The codes every operation or POST may answer close every description.
    assert "401 `unauthenticated`" in locate["description"].split("Errors:")[-1]
    assert "413 `request_too_large`" in handle["description"] and "413" not in locate["description"]

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            listed = _listed(operation)
            for status, code, meaning in listed:
                member = _MEMBERS[code]
                assert (status, meaning) == (member.status, member.meaning), (where, code)
                assert str(status) in operation["responses"], (where, code)
            # A 404, 409 or 429 an operation documents is explained by a code it lists.
            for status in {"404", "409", "429"} & set(operation["responses"]):
                assert int(status) in {s for s, _code, _meaning in listed}, (where, status)
