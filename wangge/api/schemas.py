"""Schemas and helpers shared by every router of the REST API: the error body, the documented
error responses of an operation, and the limit/offset pagination of every list."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_PAGE = 500


class ErrorOut(Schema):
    """Every error: a stable code to branch on and a translated message to show."""

    code: str = Field(..., examples=["not_found"])
    message: str


class InvalidInputOut(ErrorOut):
    """422: the parameters that are missing or invalid."""

    fields: list[str] = Field(default_factory=list)


def errors(*statuses: int) -> dict[int, type[Schema]]:
    """The documented error responses of an operation; 401 and 422 are always possible."""
    result: dict[int, type[Schema]] = {401: ErrorOut, 422: InvalidInputOut}
    result.update(dict.fromkeys(statuses, ErrorOut))
    return result


class Pagination(LimitOffsetPagination):
    """`limit` (1–500, default 100) and `offset`; the answer is `{"items": [...], "count": N}`."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE, description="Items per page (at most 500).")
        offset: int = Field(0, ge=0, description="Items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE, **kwargs)
