"""Working-day arithmetic on the seeded calendar: holidays, make-up days, fallback years, hours."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.calendars import actions
from wangge.calendars.queries import calendar_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
days_2004_2027 = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2027, 12, 31))


@pytest.fixture
def national(db):
    return calendar_for(None)


def test_seeded_years_are_known(national):
    assert set(range(2004, 2027)) <= national.known_years
    assert national.missing_years([dt.date(2027, 1, 4)]) == {2027}


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-02-13", 1, "2026-02-14"),  # Friday → make-up Saturday before Spring Festival
        ("2026-02-14", 1, "2026-02-24"),  # Spring Festival 2026-02-15 … 02-23 off
        ("2026-02-14", 2, "2026-02-25"),
        ("2026-09-30", 1, "2026-10-08"),  # National Day holiday 10-01 … 10-07
        ("2026-10-08", 2, "2026-10-10"),  # Saturday 10-10 is a make-up working day
        ("2026-10-12", -3, "2026-10-08"),
        ("2027-01-01", 1, "2027-01-04"),  # no data for 2027: Monday–Friday
    ],
)
def test_add_working_days_across_holidays(national, start, n, expected):
    assert national.add_working_days(dt.date.fromisoformat(start), n) == dt.date.fromisoformat(expected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=days_2004_2027, n=st.integers(min_value=1, max_value=60))
def test_result_is_a_working_day_and_monotone(national, start, n):
    result = national.add_working_days(start, n)
    assert national.is_workday(result)
    assert result > start
    assert national.add_working_days(start, n + 1) > result
    assert national.working_days_between(start, result) == n


def test_working_hours_skip_lunch_evenings_and_holidays(national):
    start = dt.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    assert national.add_working_hours(start, 3) == dt.datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)
    noon = dt.datetime(2026, 11, 26, 11, 0, tzinfo=SHANGHAI)
    assert national.add_working_hours(noon, 2) == dt.datetime(2026, 11, 26, 14, 30, tzinfo=SHANGHAI)
    night = dt.datetime(2026, 11, 27, 22, 0, tzinfo=SHANGHAI)  # Friday night
    assert national.add_working_hours(night, 1) == dt.datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)


def test_a_district_overrides_the_national_calendar(small):
    base = calendar_for(small.district.pk)
    day = dt.date(2026, 11, 27)  # a Friday
    assert base.is_workday(day)
    actions.set_day(None, district=small.district, date=day, is_workday=False, name="区级活动日")
    assert not calendar_for(small.district.pk).is_workday(day)
    assert calendar_for(None).is_workday(day)


def test_next_year_can_be_entered_and_published(db):
    actions.set_day(None, district=None, date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    actions.publish_year(None, district=None, year=2027)
    calendar = calendar_for(None)
    assert 2027 in calendar.known_years
    assert calendar.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)


def test_command_prints_the_date_and_warns_for_unknown_years(db):
    out, err = StringIO(), StringIO()
    call_command("workdays", "add", "2026-02-13", "1", stdout=out, stderr=err)
    assert out.getvalue().strip() == "2026-02-14"
    assert err.getvalue() == ""
    call_command("workdays", "add", "2027-03-01", "1", stdout=out, stderr=err)
    assert "2027" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("workdays", "add", "2026-13-01", "1")
