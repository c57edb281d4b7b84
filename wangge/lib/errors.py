"""One exception for every rule a user can break, carrying a stable code and a translated message.

Actions raise `DomainError`; views, the API and the command line show `code` and `message`
and never a stack trace.
"""

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
