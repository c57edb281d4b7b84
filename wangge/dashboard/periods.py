"""The periods the dashboard counts over: a year, a quarter or a month (local days), and the
same period a year earlier."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.dashboard.errors import DashboardError
from wangge.lib.errors import DomainError

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def first(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, 1)
        if self.quarter:
            return dt.date(self.year, 3 * self.quarter - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        """The period's last day (included)."""
        if self.month:
            months = 1
        elif self.quarter:
            months = 3
        else:
            months = 12
        month0 = self.first.month - 1 + months
        return dt.date(self.year + month0 // 12, month0 % 12 + 1, 1) - dt.timedelta(days=1)

    @property
    def since(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.first, dt.time.min))

    @property
    def until(self) -> dt.datetime:
        """Midnight after the last day (excluded)."""
        return timezone.make_aware(dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min))

    @property
    def label(self) -> str:
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)

    def year_earlier(self) -> "Period":
        return Period(self.year - 1, self.quarter, self.month)

    def months(self) -> list["Period"]:
        """The months of the period, in order (for trends)."""
        return [Period(self.year, month=m) for m in range(self.first.month, self.last.month + 1)]


def period(year: int | None, quarter: int | None = None, month: int | None = None) -> Period:
    """The period asked for (this year when no year is given); refused: both a quarter and a
    month, or values out of range."""
    year = year if year is not None else timezone.localdate().year
    if (
        not FIRST_YEAR <= year <= LAST_YEAR
        or (quarter is not None and month is not None)
        or (quarter is not None and not 1 <= quarter <= 4)
        or (month is not None and not 1 <= month <= 12)
    ):
        raise DomainError(
            DashboardError.DASHBOARD_PERIOD_INVALID,
            _("Give a year, and at most one of a quarter (1–4) or a month (1–12)."),
        )
    return Period(year, quarter, month)
