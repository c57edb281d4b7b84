"""Stable error codes are members of an app's enum (`CaseError`, `ApiError`, `Open311Code`),
raised as such, each raised somewhere, answered as the plain string, and listed with its
meaning in the description of every operation that declares it."""

import ast
import re
from pathlib import Path

import pytest
from django.test import Client

from wangge.api.errors import ApiError, answers
from wangge.cases.errors import CaseError
from wangge.lib.errors import DomainError, ErrorCode
from wangge.open311.errors import Open311Code, Open311Error

WANGGE = Path(__file__).resolve().parents[2]
ENUMS: dict[str, type[ErrorCode]] = {"CaseError": CaseError, "ApiError": ApiError, "Open311Code": Open311Code}
ENUM_MODULES = {WANGGE / "cases/errors.py", WANGGE / "api/errors.py", WANGGE / "open311/errors.py"}
WITH_ENUMS = ("cases", "api", "open311")

# The calls that raise or answer an error: the position of their code argument, and their
# status: fixed, the `status` keyword (400 without it), or a positional argument.
RAISERS: dict[str, tuple[int, int | str]] = {
    "DomainError": (0, "status="),
    "__init__": (0, "status="),  # a subclass of DomainError calling its base (RateLimited)
    "require_text": (1, 400),
    "bad_request": (0, 400),
    "not_found": (0, 404),
    "forbidden": (0, 403),
    "Open311Error": (1, "argument 0"),
    "error_response": (2, "argument 1"),  # (request, status, code, message)
    "Refused": (1, "argument 0"),  # the web edge's refusals, which the API answers too
}


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _constant(node: ast.expr | None) -> int | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, int) else None


def _status(node: ast.Call, name: str) -> int | None:
    """The status the call answers with, when the source fixes it."""
    status = RAISERS[name][1]
    if status == "status=":
        given = [k.value for k in node.keywords if k.arg == "status"]
        return _constant(given[0]) if given else 400
    if isinstance(status, str):
        index = int(status.removeprefix("argument "))
        return _constant(node.args[index] if len(node.args) > index else None)
    return status


def raise_sites(root: Path):
    """(path, line, code node, status or None) of every raise call in the modules under `root`."""
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.relative_to(WANGGE).parts or path in ENUM_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _callee(node) in RAISERS:
                name = _callee(node)
                at = RAISERS[name][0]
                if len(node.args) > at:
                    yield path, node.lineno, node.args[at], _status(node, name)


def _member(node: ast.expr) -> ErrorCode | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ENUMS:
        return ENUMS[node.value.id][node.attr]
    return None


def test_every_code_raised_in_the_apps_with_enums_is_a_member_with_its_status():
    literals, wrong_status = [], []
    for app in WITH_ENUMS:
        for path, line, code, status in raise_sites(WANGGE / app):
            where = f"{path.relative_to(WANGGE)}:{line}"
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                literals.append(f"{where} {code.value}")
            member = _member(code)
            if member is not None and status is not None and member.status != status:
                wrong_status.append(f"{where} {member} {status} (the enum says {member.status})")
    assert literals == []
    assert wrong_status == []


def test_every_member_is_raised_somewhere():
    members: set[str] = set()  # raised as a member of its enum
    values: set[str] = set()  # raised as a literal, or as a member of another app's enum
    for _path, _line, code, _status in raise_sites(WANGGE):
        member = _member(code)
        if member is not None:
            members.add(f"{type(member).__name__}.{member.name}")
        elif isinstance(code, ast.Constant) and isinstance(code.value, str):
            values.add(code.value)
        elif isinstance(code, ast.Attribute):
            values.add(code.attr.lower())
    never = [
        f"{name}.{member.name}"
        for name, enum in ENUMS.items()
        for member in enum
        # ApiError also declares, to list them, codes raised below the API or by other apps.
        if f"{name}.{member.name}" not in members and not (enum is ApiError and member.value in values)
    ]
    assert never == []


def test_a_domain_error_and_an_open311_error_carry_the_plain_string():
    error = DomainError(CaseError.STALE_VERSION, "x", status=409)
    assert type(error.code) is str and error.code == "stale_version"
    assert str(error) == "stale_version: x"
    assert Open311Error(400, Open311Code.STATUS_INVALID, "x").codes == "status_invalid"


def test_the_error_body_gives_the_plain_string(db):
    response = Client().get("/api/v1/areas")
    assert response.status_code == 401
    assert b'"code": "unauthenticated"' in response.content or b'"code":"unauthenticated"' in response.content


def test_a_code_is_declared_once_per_operation():
    with pytest.raises(ValueError, match="twice"):
        answers(ApiError.NOT_FOUND, ApiError.NOT_FOUND)


_LISTED = re.compile(r"^- (\d{3}) `([a-z0-9_]+)`: (.+)$", re.MULTILINE)
_MEMBERS = {member.value: member for enum in (ApiError, CaseError) for member in enum}


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
