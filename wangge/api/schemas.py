"""Schemas and helpers shared by every router of the REST API: the error body, the documented
error responses of an operation, and the limit/offset pagination of every list."""

from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic.json_schema import JsonDict

MAX_PAGE = 500
# The largest id a row can have (64-bit primary keys). A larger number names nothing; looked up
# by primary key it simply finds nothing, but compared with a foreign key or in a list SQLite
# cannot even bind it (a 500), so filters and lists of ids refuse it as invalid input (422).
MAX_ID = 2**63 - 1
# Far more rows than any list holds; beyond it an offset is refused (422), not sent to the database.
MAX_OFFSET = 2**31 - 1

# A row id given as input where it is compared with a foreign key or in a list.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Limits an endpoint checks in its own words (400 with its own code, e.g.
# `coordinates_out_of_range`, `description_too_long`, with a message that says what to do),
# declared in the document too, so that clients can check before sending
# (`json_schema_extra`). The fuzz test (api/tests/test_openapi_fuzz.py) holds the two together:
# a request the document allows is never refused as invalid input.
LONGITUDE: JsonDict = {"minimum": -180, "maximum": 180}
LATITUDE: JsonDict = {"minimum": -90, "maximum": 90}
# The years a date or date-time field takes, as a pattern: JSON Schema cannot bound a date's
# value. Pydantic checks the years (`ge`/`le` or a validator); the pattern only declares them.
_MONTH_DAY = r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-](0[0-9]|1[0-4]):?[0-5][0-9])?"
DATE_1900_2199: JsonDict = {"pattern": rf"^(19|20|21)[0-9][0-9]-{_MONTH_DAY}$"}
DATETIME_1900_9998: JsonDict = {
    "pattern": rf"^(19[0-9][0-9]|[2-8][0-9]{{3}}|9[0-8][0-9][0-9]|99[0-8][0-9]|999[0-8])-{_MONTH_DAY}{_TIME}$"
}


class ErrorOut(Schema):
    """Every error: a stable code to branch on and a translated message to show."""

    code: str = Field(..., examples=["not_found"])
    message: str


class InvalidInputOut(ErrorOut):
    """422: the parameters that are missing or invalid."""

    fields: list[str] = Field(default_factory=list)


class RateLimitedOut(ErrorOut):
    """429 `rate_limited`: the `Retry-After` header and `retry_after` say when to try again."""

    code: str = Field(..., examples=["rate_limited"])
    retry_after: int = Field(..., ge=1, description="Seconds until the limit's window ends (also `Retry-After`).")


def errors(*statuses: int) -> dict[int, type[Schema]]:
    """The documented error responses of an operation; 401 and 422 are always possible, 429 has
    its own schema."""
    result: dict[int, type[Schema]] = {401: ErrorOut, 422: InvalidInputOut}
    result.update(dict.fromkeys(statuses, ErrorOut))
    if 429 in statuses:
        result[429] = RateLimitedOut
    return result


class Pagination(LimitOffsetPagination):
    """`limit` (1–500, default 100) and `offset`; the answer is `{"items": [...], "count": N}`."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE, description="Items per page (at most 500).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE, **kwargs)
