"""Every `LedgerError` member is listed for users in docs/import.md. That every code the app
raises is a member with its status, every member is raised, and a member reaches messages and
JSON as its plain code is checked for every app in `wangge/lib/tests/test_error_codes.py`."""

from pathlib import Path

from wangge.ledgers.errors import LedgerError

APP = Path(__file__).resolve().parents[1]
DOCS = APP.parents[1] / "docs" / "import.md"


def test_every_member_is_listed_for_users():
    listed = DOCS.read_text(encoding="utf-8").split("## Error codes", 1)[1]
    assert [code for code in LedgerError if f"`{code}`" not in listed] == []
