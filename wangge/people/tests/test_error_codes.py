"""Every error code the people app raises is a member of `PeopleError`, and every member is raised."""

import ast
import json
from pathlib import Path

import pytest

from wangge.lib.errors import DomainError
from wangge.people.actions.access import person_not_found
from wangge.people.errors import PeopleError

APP = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for p in APP.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts)


def raised_codes() -> tuple[set[str], list[str]]:
    """(the `PeopleError` members named in the app's source, the places a code is given as a
    literal string to `DomainError` or `require_reason`)."""
    named, literals = set(), []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "PeopleError":
                named.add(node.attr)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                given = {"DomainError": node.args[:1], "require_reason": node.args[1:2]}.get(node.func.id, [])
                given += [k.value for k in node.keywords if k.arg == "code"]
                literals += [
                    f"{path.relative_to(APP)}:{arg.lineno}"
                    for arg in given
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ]
    return named, literals


def test_the_app_has_sources_to_read():
    assert APP / "actions" / "access.py" in SOURCES and APP / "errors.py" in SOURCES


def test_every_code_raised_is_a_member_and_every_member_is_raised():
    named, literals = raised_codes()
    assert literals == []  # a code given as a string would escape the enum
    assert named <= set(PeopleError.__members__)  # (a misspelt member would fail on import anyway)
    assert set(PeopleError.__members__) - named == set()  # no member left unused


@pytest.mark.parametrize("member", list(PeopleError))
def test_each_code_is_its_plain_string(member):
    assert member.value == member.name.lower()
    assert f"{member}" == str(member) == member.value
    assert json.dumps({"code": member}) == json.dumps({"code": member.value})


def test_an_error_shows_the_plain_code():
    error = person_not_found()
    assert isinstance(error, DomainError) and error.code == "person_not_found" and error.status == 404
    assert str(error).startswith("person_not_found: ")
