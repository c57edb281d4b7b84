"""The records behind a headline figure as rows for the drill-down (page, API, export): what was
counted, when, where; never personal data (no names, no texts written by residents, no
hardship details). A fixed number of queries per page however many records."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone

from wangge.areas.models import AreaNode
from wangge.assistance.models import Help
from wangge.cases.models import Case, ReturnVisit
from wangge.dashboard import headline
from wangge.dashboard.periods import Period
from wangge.resources.models import Booking
from wangge.team.models import Wish


@dataclass(frozen=True)
class Row:
    kind: str
    id: int
    at: dt.datetime | dt.date | None
    reference: str
    detail: str
    community: str
    grid: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "at": self.at.isoformat() if self.at is not None else None,
            "reference": self.reference,
            "detail": self.detail,
            "community": self.community,
            "grid": self.grid,
        }


def _name(node: AreaNode | None) -> str:
    return node.name if node is not None else ""


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def _rows(found: QuerySet, offset: int, limit: int) -> list[Row]:
    model: type[Model] = found.model
    if model is Wish:
        wishes = found.select_related("community", "grid")[offset : offset + limit]
        return [
            Row(
                "wish",
                w.pk,
                _local(w.fulfilled_at),
                f"#{w.pk}",
                str(w.get_kind_display()),
                _name(w.community),
                _name(w.grid),
            )
            for w in wishes
        ]
    if model is Help:
        helps = found.select_related("dossier__community", "dossier__grid")[offset : offset + limit]
        return [
            Row("help", h.pk, h.given_on, f"#{h.pk}", "", _name(h.dossier.community), _name(h.dossier.grid))
            for h in helps
        ]
    if model is Case:
        cases = found.select_related("category", "community", "grid")[offset : offset + limit]
        return [
            Row(
                "case",
                c.pk,
                _local(c.closed_at if c.closed_at and c.state == "closed" else c.created_at),
                c.number,
                f"{c.category.name} · {c.get_channel_display()}",
                _name(c.community),
                _name(c.grid),
            )
            for c in cases
        ]
    if model is ReturnVisit:
        visits = found.select_related("case__community", "case__grid")[offset : offset + limit]
        return [
            Row(
                "return_visit",
                v.pk,
                _local(v.created_at),
                v.case.number,
                str(v.get_result_display()),
                _name(v.case.community),
                _name(v.case.grid),
            )
            for v in visits
        ]
    if model is Booking:
        bookings = found.select_related("facility", "community", "facility__grid")[offset : offset + limit]
        return [
            Row(
                "booking",
                b.pk,
                _local(b.starts_at),
                b.facility.name,
                str(b.get_status_display()),
                _name(b.community),
                _name(b.facility.grid),
            )
            for b in bookings
        ]
    if model is AreaNode:
        households = found.select_related("community", "grid")[offset : offset + limit]
        return [Row("household", h.pk, None, h.code, h.name, _name(h.community), _name(h.grid)) for h in households]
    raise TypeError(model)


def page(key: str, area: AreaNode, period: Period, offset: int = 0, limit: int = 100) -> tuple[int, list[Row]]:
    """The total number of records `key` counted in the area and period, and the rows from
    `offset` (at most `limit`), kind after kind."""
    total = 0
    rows: list[Row] = []
    for found in headline.records(key, area, period):
        n = found.count()
        start = max(offset - total, 0)
        room = limit - len(rows)
        if room > 0 and start < n:
            rows += _rows(found, start, room)
        total += n
    return total, rows
