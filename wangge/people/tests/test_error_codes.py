"""A people error shows its plain code. That every code the app raises is a `PeopleError` member
with its status, and every member is raised, is checked for every app in
`wangge/lib/tests/test_error_codes.py`."""

from wangge.lib.errors import DomainError
from wangge.people.actions.access import person_not_found


def test_an_error_shows_the_plain_code():
    error = person_not_found()
    assert isinstance(error, DomainError) and error.code == "person_not_found" and error.status == 404
    assert str(error).startswith("person_not_found: ")
