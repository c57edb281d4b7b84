"""One exception for every rule a user can break, carrying a stable code and a translated message;
and the base of every app's enum of its stable codes.

Actions raise `DomainError`; views, the API and the command line show `code` and `message`
and never a stack trace. An app lists its codes in an `ErrorCode` enum (`cases.errors.CaseError`,
`api.errors.ApiError`, …), each with its HTTP status and a one-line meaning in English, from
which the API's documentation of each operation's errors is generated. `Invalid` is the lighter
one a value that cannot be used raises (a cell of an imported file, a number typed in a search
box): a code and a message, kept with the row it was found in and sent between processes.
"""

from enum import StrEnum
from typing import Any, Self

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    """A stable error code: the member is the plain string clients branch on, with the HTTP
    status it is answered with and a one-line meaning for the API's documentation."""

    status: int
    meaning: str

    def __new__(cls, value: str, status: int, meaning: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.meaning = meaning
        return member


class DomainError(Exception):
    def __init__(self, code: str, message: str | Promise, *, status: int | None = None, **details: object) -> None:
        super().__init__(str(code))
        self.code = str(code)  # the plain string, also when given an `ErrorCode` member
        self._message = message
        # Without `status`: the member's own (an `ErrorCode`), else 400.
        self.status = status if status is not None else code.status if isinstance(code, ErrorCode) else 400
        self.details = details

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Invalid(Exception):
    """One reason a value cannot be used (code and translated message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (Invalid, (self.code, self.message))

    def kept(self) -> "Invalid":
        """A copy never raised, to keep: a raised exception holds its traceback, whose frames
        hold everything (the whole file's reader among them) for as long as it is kept."""
        return Invalid(self.code, self.message)
