"""Working-day and working-hour arithmetic over a Chinese work calendar.

A `WorkCalendar` knows, for the years it has data for, which dates differ from the
Monday–Friday default: statutory holidays (days off on weekdays) and make-up working days
(调休, working Saturdays and Sundays). For a year it has no data for, it falls back to
Monday–Friday and says so through `missing_years`, so callers can warn instead of crash.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DEFAULT_PERIODS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(17, 30)),
)


@dataclass(frozen=True)
class WorkCalendar:
    # date → True (working day) / False (day off), only where it differs from Monday–Friday.
    exceptions: Mapping[dt.date, bool] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()
    periods: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_PERIODS

    def is_workday(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def missing_years(self, days: Iterable[dt.date]) -> set[int]:
        return {d.year for d in days} - set(self.known_years)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (n >= 1), or before it (n <= -1); n = 0 is `start`."""
        step = 1 if n >= 0 else -1
        day, remaining = start, abs(n)
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many `add_working_days` steps lead from start to end."""
        if end <= start:
            return 0
        return sum(self.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` of working time after `start` (an aware datetime), in start's zone."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = dt.timedelta(hours=hours)
        tz = start.tzinfo
        moment = start
        while True:
            day = moment.date()
            if self.is_workday(day):
                for begin, end in self.periods:
                    period_start = dt.datetime.combine(day, begin, tzinfo=tz)
                    period_end = dt.datetime.combine(day, end, tzinfo=tz)
                    if moment >= period_end:
                        continue
                    moment = max(moment, period_start)
                    available = period_end - moment
                    if remaining <= available:
                        return moment + remaining
                    remaining -= available
                    moment = period_end
            moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)

    def end_of_working_day(self, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime.combine(day, self.periods[-1][1], tzinfo=tz)
