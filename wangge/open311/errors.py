"""Errors as GeoReport v2 answers them: an HTTP status (404 for what does not exist, 403 for a
missing or wrong api_key, 400 for everything else) and a body `errors` listing each error's
`code` (the HTTP status, as the specification's examples do) and `description` (our
translated message). Our stable error code (`answer_required`, `outside_every_grid`, …) goes
in the `Wangge-Error-Code` header, so the body stays exactly the specification's."""

from django.http import HttpResponse
from django.utils.functional import Promise

from wangge.lib.errors import DomainError
from wangge.open311.render import render

ERROR_CODE_HEADER = "Wangge-Error-Code"


class Open311Error(Exception):
    def __init__(self, status: int, code: str, description: str | Promise) -> None:
        super().__init__(code)
        self.status = status
        self.errors: list[tuple[str, str]] = [(code, str(description))]

    @classmethod
    def from_domain(cls, error: DomainError) -> "Open311Error":
        """A rule of the platform broken by the input: 400 (the specification keeps 404 for a
        jurisdiction or service_code that does not exist), or 429 when the rate limit is hit."""
        return cls(429 if error.status == 429 else 400, error.code, error.message)

    def body(self) -> list[dict[str, object]]:
        return [{"code": self.status, "description": description} for _code, description in self.errors]

    @property
    def codes(self) -> str:
        return ", ".join(code for code, _description in self.errors)


def respond(fmt: str, error: Open311Error, **headers: str) -> HttpResponse:
    """The error as answered: the specification's `errors` body in `fmt`, our codes in the header."""
    response = render(fmt, "errors", error.body(), status=error.status)
    response[ERROR_CODE_HEADER] = error.codes
    for name, value in headers.items():
        response[name] = value
    return response


def format_of(path: str) -> str:
    """The answer's format for a path under /open311/v2/: JSON for `.json`, else XML (the
    specification's required format)."""
    return "json" if path.endswith(".json") else "xml"


def bad_request(code: str, description: str | Promise) -> Open311Error:
    return Open311Error(400, code, description)


def not_found(code: str, description: str | Promise) -> Open311Error:
    return Open311Error(404, code, description)


def forbidden(code: str, description: str | Promise) -> Open311Error:
    return Open311Error(403, code, description)
