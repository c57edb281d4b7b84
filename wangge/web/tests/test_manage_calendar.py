"""/manage/calendar/: the district administrator sees and publishes their district's calendar
only; others get 404; the paste → preview → publish round; local overrides; flat queries."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role, User
from wangge.areas.tests.factories import build_small_district
from wangge.calendars import actions
from wangge.calendars.models import CalendarDay, CalendarYear
from wangge.calendars.tests.factories import EXAMPLE_2027
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries

NOVEMBER_2026 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PAGE = "/manage/calendar/"


@pytest.fixture(autouse=True)
def november_2026():
    with time_machine.travel(NOVEMBER_2026, tick=False):
        yield


@pytest.fixture
def other_admin(small) -> User:
    """District administrator of a second district."""
    return make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district(code="U").district)


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root", password=None)


def _client(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _notice() -> str:
    return EXAMPLE_2027.read_text(encoding="utf-8")


def test_the_district_admin_sees_the_districts_years_and_that_2027_is_missing(small, district_admin):
    response = _client(district_admin).get(reverse("manage_calendar"))
    assert response.status_code == 200
    page = response.content.decode()
    assert small.district.name in page
    assert 'data-testid="calendar-missing"' in page and "2027" in page
    assert 'data-year="2026"' in page and 'data-year="2027"' in page
    assert "Published earlier: 2004–2023." in page


def test_community_staff_and_grid_workers_get_404(small, community_staff, worker_a):
    for user in (community_staff, worker_a):
        client = _client(user)
        assert client.get(PAGE).status_code == 404
        response = client.post(reverse("manage_calendar_preview"), {"notice": _notice(), "d": small.district.pk})
        assert response.status_code == 404
        assert client.post(reverse("manage_calendar_publish"), {"notice": _notice()}).status_code == 404
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_paste_preview_and_publish_for_the_district(small, district_admin):
    client = _client(district_admin)
    response = client.post(
        reverse("manage_calendar_preview"), {"notice": _notice(), "year": "", "d": small.district.pk}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "23 days differ" in page
    assert 'class="holiday changed" data-date="2027-10-01"' in page
    assert 'class="weekend makeup changed" data-date="2027-02-20"' in page
    assert page.count('class="cal-month"') == 12
    assert not CalendarYear.objects.filter(year=2027).exists()  # a preview writes nothing

    response = client.post(reverse("manage_calendar_publish"), {"notice": _notice(), "d": small.district.pk})
    assert response.status_code == 302 and response["location"] == f"{PAGE}?d={small.district.pk}"
    assert CalendarYear.objects.filter(district=small.district, year=2027).exists()
    page = client.get(response["location"]).content.decode()
    assert "The calendar for 2027 is published: 23 days changed." in page
    assert 'data-testid="calendar-missing"' not in page
    assert AuditEvent.objects.filter(action=AuditAction.CALENDAR_PUBLISHED, actor=district_admin).count() == 1


def test_a_text_it_cannot_read_is_shown_with_its_line_and_kept_in_the_box(small, district_admin):
    bad = _notice().replace("4月25日（周日）上班", "4月26日上班")
    for url in (reverse("manage_calendar_preview"), reverse("manage_calendar_publish")):
        response = _client(district_admin).post(url, {"notice": bad, "d": small.district.pk})
        assert response.status_code == 400
        page = response.content.decode()
        assert "Line 9 " in page and "2027-04-26" in page and "notice_unreadable" in page
        assert "4月26日上班" in page.split("<textarea")[1]
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_another_districts_admin_cannot_see_or_change_this_district(small, district_admin, other_admin):
    day = actions.set_local_day(
        district_admin, district=small.district, date=dt.date(2027, 3, 8), is_workday=False, name="区庆"
    )
    client = _client(other_admin)
    assert client.get(PAGE, {"d": small.district.pk}).status_code == 404
    assert client.post(reverse("manage_calendar_local_remove", args=[day.pk])).status_code == 404
    assert (
        client.post(reverse("manage_calendar_publish"), {"notice": _notice(), "d": small.district.pk}).status_code
        == 404
    )
    assert (
        client.post(reverse("manage_calendar_local_add"), {"d": small.district.pk, "date": "2027-03-09"}).status_code
        == 404
    )
    assert client.get(PAGE, {"d": "national"}).status_code == 404
    assert CalendarDay.objects.filter(pk=day.pk).exists()
    own = client.get(PAGE).content.decode()
    assert "区庆" not in own


def test_the_district_admin_adds_and_removes_a_local_holiday(small, district_admin):
    client = _client(district_admin)
    response = client.post(
        reverse("manage_calendar_local_add"),
        {"d": small.district.pk, "date": "2027-03-08", "is_workday": "0", "name": "区庆"},
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(district=small.district, date=dt.date(2027, 3, 8))
    assert day.is_local_override and not day.is_workday
    assert "区庆" in client.get(PAGE).content.decode()
    assert client.post(reverse("manage_calendar_local_remove", args=[day.pk])).status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    bad = client.post(reverse("manage_calendar_local_add"), {"d": small.district.pk, "date": "2027-02-30"})
    assert bad.status_code == 302 and not CalendarDay.objects.filter(district=small.district).exists()


def test_the_superuser_publishes_the_national_calendar(small, root):
    client = _client(root)
    page = client.get(PAGE).content.decode()
    assert "National calendar" in page and small.district.name in page
    response = client.post(reverse("manage_calendar_publish"), {"notice": _notice(), "d": "national"})
    assert response.status_code == 302
    assert CalendarYear.objects.filter(district=None, year=2027).exists()


def test_the_page_takes_the_same_queries_however_many_local_days(small, district_admin):
    client = _client(district_admin)

    def measure():
        with count_queries() as queries:
            assert client.get(PAGE).status_code == 200
        return queries

    first = measure()
    for n in range(1, 8):
        actions.set_local_day(
            district_admin, district=small.district, date=dt.date(2027, 3, n), is_workday=False, name=f"日{n}"
        )
        actions.publish_year(None, district=small.district, year=2030 + n)
    assert_flat(first, measure())


def test_the_home_pages_warning_links_to_the_calendar_for_who_may_use_it(small, district_admin, worker_a):
    page = _client(district_admin).get("/").content.decode()
    assert 'data-testid="calendar-warning-link"' in page and f'href="{PAGE}"' in page
    assert 'data-testid="calendar-warning-link"' not in _client(worker_a).get("/").content.decode()
