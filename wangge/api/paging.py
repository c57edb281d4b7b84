"""Cursor (keyset) paging for long lists that grow while a client pages through them.

A list paged by `offset` shifts when rows are added in front of the page (a phone paging through
its grid's cases while new reports arrive sees one twice), and the database walks every skipped
row. A cursor names the last row seen by its sort key instead: the next page starts right after
it, with an index, however deep. The lists that use it sort by one column, then by id (e.g.
newest first: `-created_at, -id`; by deadline: `due_at` ascending with no deadline last, `id`).

A cursor is opaque: base64url of the last row's sort key and id. One that is not ours (altered,
or made up) answers 400 `invalid_cursor`; one that is not even base64url, 422 `invalid_input`
(the document declares the pattern).

`offset` still works beside it. The count of all matches costs more than the page (a grid's
cases grow to tens of thousands), so a page carries it only when it is free (a first page that
holds every match) or asked for with `count=true` on a page without a cursor, and then only up
to `COUNT_CAP` (null above it); a cursor page never carries one.
"""

import base64
import datetime as dt
import json
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from wangge.api.errors import ApiError
from wangge.api.schemas import MAX_ID, MAX_OFFSET, MAX_PAGE
from wangge.lib.counting import COUNT_CAP, capped_count
from wangge.lib.errors import DomainError

# The years a cursor's date may name: beyond them SQLite cannot compare it (a 500 before).
_YEARS = range(1900, 9999)


class SortKey:
    """A queryset's order `(column, id)` on a date-time column: its name, direction and where
    NULLs go (only an ascending column with NULLs last may hold NULLs)."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        order = list(queryset.query.order_by)
        if len(order) != 2:
            raise ValueError(f"cursor paging needs an order (column, id), not {order}")
        self.column, self.descending, self.nulls_last = _term(order[0])
        id_name, id_descending, _nulls = _term(order[1])
        if id_name not in ("id", "pk") or id_descending != self.descending:
            raise ValueError(f"cursor paging needs the id as second key in the same direction, not {order}")

    def position(self, row: Any) -> dict[str, Any]:
        value: dt.datetime | None = getattr(row, self.column)
        return {"v": value.isoformat() if value is not None else None, "i": row.pk}

    def after(self, queryset: QuerySet[Any], position: dict[str, Any]) -> QuerySet[Any]:
        """The rows that sort after `position`."""
        value, pk = position["v"], position["i"]
        more = "lt" if self.descending else "gt"
        if value is None:  # only NULLs are left: they sort by id alone
            return queryset.filter(**{f"{self.column}__isnull": True, f"pk__{more}": pk})
        value = parse_datetime(value)
        later = Q(**{f"{self.column}__{more}": value}) | Q(**{self.column: value, f"pk__{more}": pk})
        if self.nulls_last:
            later |= Q(**{f"{self.column}__isnull": True})
        return queryset.filter(later)


def _term(term: Any) -> tuple[str, bool, bool]:
    """(name, descending, NULLs last) of one `order_by` term."""
    if isinstance(term, str):
        return term.lstrip("-"), term.startswith("-"), False
    if isinstance(term, OrderBy) and isinstance(term.expression, F):
        name: str = term.expression.name  # type: ignore[attr-defined]
        return name, term.descending, bool(term.nulls_last)
    raise ValueError(f"cursor paging cannot read the order term {term!r}")


def encode(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    """The position a cursor names; 400 `invalid_cursor` unless it is one `encode` could have made."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(position, dict) or set(position) != {"v", "i"}:
            raise ValueError
        if not isinstance(position["i"], int) or isinstance(position["i"], bool) or not 1 <= position["i"] <= MAX_ID:
            raise ValueError
        if position["v"] is not None:
            value = parse_datetime(position["v"]) if isinstance(position["v"], str) else None
            if value is None or value.tzinfo is None or value.year not in _YEARS:
                raise ValueError
    except ValueError:  # also bad base64 (binascii.Error) and bytes that are not text
        raise DomainError(
            ApiError.INVALID_CURSOR,
            _("This cursor is not one the list gave: pass the next_cursor of the previous page unchanged."),
        ) from None
    return position


class CursorPagination(PaginationBase):
    """`limit` (1–500, default 100) and either `cursor` (from the previous page's `next_cursor`)
    or `offset`; the answer is `{"items": [...], "count": N or null, "next_cursor": ...}`."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE, description="Items per page (at most 500).")
        cursor: str | None = Field(
            None,
            max_length=200,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="`next_cursor` of the previous page: the page after it (stable while rows are added).",
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip (without a cursor).")
        count: bool = Field(
            False,
            description=f"Also count all matching items, up to {COUNT_CAP:,} (without a cursor; it costs the "
            "database more than the page).",
        )

    class Output(Schema):
        items: list[Any]
        count: int | None = Field(
            ...,
            description=f"All matching items when asked for with `count=true` or when this first page holds them "
            f"all; null otherwise, when there are more than {COUNT_CAP:,}, and on a cursor page.",
        )
        next_cursor: str | None = Field(..., description="Cursor of the next page; null on the last page.")

    def paginate_queryset(self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any) -> Any:
        key = SortKey(queryset)
        limit = pagination.limit
        if pagination.cursor:
            rows, count = list(key.after(queryset, decode(pagination.cursor))[: limit + 1]), None
        else:
            rows = list(queryset[pagination.offset : pagination.offset + limit + 1])
            if pagination.offset == 0 and len(rows) <= limit:
                count = len(rows)  # the first page holds them all
            elif pagination.count:
                counted = capped_count(queryset, COUNT_CAP)
                count = counted if counted <= COUNT_CAP else None
            else:
                count = None
        page = rows[:limit]
        next_cursor = encode(key.position(page[-1])) if len(rows) > limit else None
        return {"items": page, "count": count, "next_cursor": next_cursor}
