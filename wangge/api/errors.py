"""The REST API's stable error codes (`ApiError`), and `answers`, which documents the codes an
operation can answer.

Every error body is `{"code": …, "message": …}`; `code` is a member of an app's `ErrorCode`
enum (this one, `cases.errors.CaseError`, …). Each operation declares its codes with
`@answers(...)` right under its router decorator; the codes every operation or every POST can
answer (`COMMON`, `POST_COMMON`) are added to every description by the API object itself.
"""

from collections.abc import Callable
from inspect import cleandoc

from wangge.lib.errors import ErrorCode


class ApiError(ErrorCode):
    # Answered by the API around every operation.
    UNAUTHENTICATED = "unauthenticated", 401, "no valid bearer token or session"
    INVALID_INPUT = "invalid_input", 422, "a parameter missing or invalid; `fields` names them"
    INVALID_CHARACTERS = (
        "invalid_characters",
        400,
        "a control character, such as NUL, or broken Unicode in the path, a parameter or the body; tab, "
        "line feed and carriage return are text, and bidirectional controls are removed, not refused",
    )
    NOT_FOUND = "not_found", 404, "unknown, or outside your scope"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid", 422, "a malformed `Idempotency-Key`"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", 422, "the `Idempotency-Key` was used for another request"
    CSRF_FAILED = "csrf_failed", 403, "with a session, the CSRF token is missing"
    REQUEST_TOO_LARGE = "request_too_large", 413, "a body over 2.5 MB, photos apart"
    RATE_LIMITED = "rate_limited", 429, "too many requests; `Retry-After` says when to try again"

    # Answered by particular operations.
    INVALID_CURSOR = "invalid_cursor", 400, "a cursor that is not the `next_cursor` of a page"
    SESSION_REQUIRED = "session_required", 403, "tokens are created from a logged-in session, not with a token"

    # Raised below the API (lib, accounts) or by an app without codes of its own (areas), and
    # answered by operations: the same strings, declared here to be listed.
    COORDINATES_OUT_OF_RANGE = "coordinates_out_of_range", 400, "longitude beyond ±180 or latitude beyond ±90"
    OUTSIDE_EVERY_GRID = "outside_every_grid", 404, "no grid of the platform contains the point"
    NOT_AN_IMAGE = "not_an_image", 400, "the file is not a photo (JPEG, PNG, WebP, GIF)"
    IMAGE_TOO_LARGE = "image_too_large", 400, "the photo is larger than 10 MB"
    TOKEN_NAME_INVALID = "token_name_invalid", 400, "the token's name is blank or longer than 100 characters"


# What any operation can answer, and any POST besides (listed once per description).
COMMON: tuple[ErrorCode, ...] = (ApiError.UNAUTHENTICATED, ApiError.INVALID_INPUT, ApiError.INVALID_CHARACTERS)
POST_COMMON: tuple[ErrorCode, ...] = (
    ApiError.IDEMPOTENCY_KEY_INVALID,
    ApiError.IDEMPOTENCY_KEY_REUSED,
    ApiError.CSRF_FAILED,
    ApiError.REQUEST_TOO_LARGE,
)

# The attribute `answers` leaves on the view, for the tests that hold declarations and the
# document together.
ANSWERS_ATTRIBUTE = "error_codes"


def describe(codes: tuple[ErrorCode, ...]) -> str:
    """`status `code` (meaning)` of each code, by status, joined with semicolons."""
    return "; ".join(f"{code.status} `{code}` ({code.meaning})" for code in sorted(codes, key=lambda c: c.status))


def errors_list(codes: tuple[ErrorCode, ...]) -> str:
    """The "Errors:" list of an operation's description: one line per code, by status."""
    lines = [f"- {code.status} `{code}`: {code.meaning}" for code in sorted(codes, key=lambda c: c.status)]
    return "Errors:\n\n" + "\n".join(lines)


def answers[F: Callable[..., object]](*codes: ErrorCode) -> Callable[[F], F]:
    """Declare the codes an operation answers besides the common ones: appended to its docstring
    (the description of the operation in the OpenAPI document) as an "Errors:" list. Put it
    right under the router's decorator, which reads the docstring."""
    if len(set(codes)) != len(codes):
        raise ValueError(f"A code is listed twice: {codes}")

    def decorate(view: F) -> F:
        text = cleandoc(view.__doc__ or "")
        view.__doc__ = f"{text}\n\n{errors_list(codes)}" if text else errors_list(codes)
        setattr(view, ANSWERS_ATTRIBUTE, codes)
        return view

    return decorate
