"""One exception for every rule a user can break, carrying a stable code and a translated message.

Actions raise `DomainError`; views, the API and the command line show `code` and `message`
and never a stack trace. `Invalid` is the lighter one a value that cannot be used raises (a
cell of an imported file, a number typed in a search box): a code and a message, kept with the
row it was found in and sent between processes.
"""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    def __init__(self, code: str, message: str | Promise, *, status: int = 400, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self._message = message
        self.status = status
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
