"""Every error code the ledgers app raises is a member of `LedgerError`, every member is raised
somewhere and listed for users in docs/import.md, and a member reaches users and JSON as its
plain code."""

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder

from wangge.ledgers.cleaning import Invalid
from wangge.ledgers.errors import LedgerError
from wangge.lib.errors import DomainError

APP = Path(__file__).resolve().parents[1]
DOCS = APP.parents[1] / "docs" / "import.md"
# Modules whose row checks still write their codes as literals (each must still be a member).
LITERAL_CODES_ALLOWED = {"cleaning.py"}


@dataclass(frozen=True)
class Site:
    module: str
    line: int
    code: str  # a member's name for `LedgerError.NAME`, else the literal


def raise_sites() -> tuple[list[Site], list[Site]]:
    """(sites naming a member, sites with a literal code) in the app's source: the first argument
    of `DomainError(…)` and `Invalid(…)` and the `error_code=` a failed run records. A code
    passed on from elsewhere (`error.code`, a variable) is not a site."""
    members, literals = [], []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP)
        if relative.parts[0] in ("tests", "migrations"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            codes = [node.args[0]] if called in ("DomainError", "Invalid") and node.args else []
            codes += [k.value for k in node.keywords if k.arg == "error_code"]
            for code in codes:
                if (
                    isinstance(code, ast.Attribute)
                    and isinstance(code.value, ast.Name)
                    and code.value.id == "LedgerError"
                ):
                    members.append(Site(str(relative), node.lineno, code.attr))
                elif isinstance(code, ast.Constant) and isinstance(code.value, str) and code.value:
                    literals.append(Site(str(relative), node.lineno, code.value))
    return members, literals


def test_every_code_raised_in_the_app_is_a_member():
    members, literals = raise_sites()
    assert members, "no raise site found: the scan has gone wrong"
    assert [s for s in members if s.code not in LedgerError.__members__] == []
    assert [s for s in literals if s.code not in set(LedgerError)] == []


def test_raise_sites_name_the_member_not_its_string():
    _members, literals = raise_sites()
    assert [s for s in literals if Path(s.module).name not in LITERAL_CODES_ALLOWED] == []


def test_every_member_is_raised_somewhere():
    members, literals = raise_sites()
    raised = {LedgerError[s.code] for s in members} | {LedgerError(s.code) for s in literals}
    assert sorted(set(LedgerError) - raised) == []


def test_every_member_is_listed_for_users():
    listed = DOCS.read_text(encoding="utf-8").split("## Error codes", 1)[1]
    assert [code for code in LedgerError if f"`{code}`" not in listed] == []


def test_a_member_is_shown_and_serialised_as_its_plain_code():
    error = DomainError(LedgerError.FILE_TYPE, "Only .xlsx, .xls and .csv files can be imported.")
    assert error.code == "file_type"
    assert str(error) == "file_type: Only .xlsx, .xls and .csv files can be imported."
    assert f"{error.code}" == str(error.code) == "file_type"
    assert json.dumps({"code": error.code}) == '{"code": "file_type"}'
    assert json.dumps({"code": error.code}, cls=DjangoJSONEncoder) == '{"code": "file_type"}'
    problem = Invalid(LedgerError.DUPLICATE_ROW, "Repeats row 2 of this file.")
    assert json.dumps({"code": problem.code, "message": problem.message}) == (
        '{"code": "duplicate_row", "message": "Repeats row 2 of this file."}'
    )
