"""Years without a published work calendar: `missing_years` for the web, a warning in the admin.

The national calendar is seeded for 2004–2026; today (26 November 2026) 2027 has no data yet.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import WARNING

from wangge.accounts.models import User
from wangge.areas.actions import create_district
from wangge.calendars import actions
from wangge.calendars.queries import missing_years
from wangge.lib.testing import assert_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER_2026 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


def test_this_year_and_next_without_data_are_missing(small):
    district = small.district.pk
    assert missing_years(district, today=dt.date(2026, 11, 26)) == [2027]
    assert missing_years(None, today=dt.date(2026, 11, 26)) == [2027]
    assert missing_years(district, today=dt.date(2025, 6, 1)) == []
    assert missing_years(district, today=dt.date(2027, 1, 4)) == [2027]  # 2028's comes in November
    assert missing_years(district, today=dt.date(2027, 11, 1)) == [2027, 2028]
    assert missing_years(district, today=dt.date(2003, 12, 31)) == [2003]


def test_a_districts_own_published_year_counts_for_it_alone(small):
    other = create_district(None, name="另一区", code="OTHER")
    actions.publish_year(None, district=small.district, year=2027)
    today = dt.date(2026, 11, 26)
    assert missing_years(small.district.pk, today=today) == []
    assert missing_years(other.pk, today=today) == [2027]
    assert missing_years(None, today=today) == [2027]
    actions.publish_year(None, district=None, year=2027)
    assert missing_years(other.pk, today=today) == []


def test_today_defaults_to_the_local_date(db):
    # 31 December 2026, 17:00 UTC is already 1 January 2027 in Shanghai.
    with time_machine.travel(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), tick=False):
        assert missing_years(None) == [2027]
    with time_machine.travel(NOVEMBER_2026, tick=False):
        assert missing_years(None) == [2027]


def test_missing_years_is_one_query(small):
    with assert_queries(1):  # the published years among this one and the next
        missing_years(small.district.pk, today=dt.date(2026, 11, 26))


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", password=None))
    return client


def _login_again(client) -> None:
    """After travelling weeks ahead the session has expired."""
    client.force_login(User.objects.get(username="root"))


def _warnings(response) -> list[str]:
    return [m.message for m in response.context["messages"] if m.level == WARNING]


@pytest.mark.parametrize("page", ["/admin/calendars/calendarday/", "/admin/calendars/calendaryear/"])
def test_the_calendar_admin_warns_about_next_year_until_it_is_published(admin_client, page):
    with time_machine.travel(NOVEMBER_2026, tick=False):
        response = admin_client.get(page, headers={"accept-language": "en"})
        assert response.status_code == 200
        [warning] = _warnings(response)
        assert "2027" in warning and "Monday to Friday" in warning and "2026" not in warning
        assert "2027" in response.content.decode()

        actions.set_day(None, district=None, date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
        actions.publish_year(None, district=None, year=2027)
        assert _warnings(admin_client.get(page, headers={"accept-language": "en"})) == []


def test_the_admin_warns_about_both_years_in_november_without_data(admin_client):
    with time_machine.travel(dt.datetime(2027, 11, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        _login_again(admin_client)
        response = admin_client.get("/admin/calendars/calendaryear/", headers={"accept-language": "en"})
    warnings = _warnings(response)
    assert len(warnings) == 2 and "2027" in warnings[0] and "2028" in warnings[1]


def test_the_warning_speaks_chinese_by_default(admin_client):
    with time_machine.travel(NOVEMBER_2026, tick=False):
        page = admin_client.get("/admin/calendars/calendarday/").content.decode()
    assert "尚未发布2027年的全国工作日历" in page
