"""Publishing a notice: it replaces the year's notice days, keeps a district's local overrides,
counts the changes, writes an audit row, and a refused text writes nothing."""

import datetime as dt

import pytest

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.calendars import actions
from wangge.calendars.models import CalendarDay, CalendarYear
from wangge.calendars.queries import calendar_for
from wangge.calendars.tests.factories import NOTICES
from wangge.lib.errors import DomainError

NATIONAL_DAY_2027 = dt.date(2027, 10, 1)  # a Friday off in the example notice
MAKE_UP_2027 = dt.date(2027, 2, 20)  # a Saturday worked


def _snapshot() -> tuple[int, int, int]:
    return CalendarDay.objects.count(), CalendarYear.objects.count(), AuditEvent.objects.count()


def test_the_superuser_publishes_next_years_national_calendar(root, notice_2027):
    preview = actions.preview_notice(root, district=None, text=notice_2027)
    assert preview.year == 2027 and not preview.was_published
    # Every weekday off and every make-up day differs from the Monday–Friday assumed until now.
    weekday_holidays = [d for d in preview.holidays if d.weekday() < 5]
    assert preview.changes == len(weekday_holidays) + len(preview.workdays) == 18 + 5
    assert not CalendarYear.objects.filter(year=2027).exists()

    published = actions.publish_notice(root, district=None, text=notice_2027)
    assert published.changes == 23
    assert CalendarYear.objects.filter(district=None, year=2027).exists()
    calendar = calendar_for(None)
    assert not calendar.is_workday(NATIONAL_DAY_2027) and calendar.is_workday(MAKE_UP_2027)
    assert 2027 in calendar.known_years
    event = AuditEvent.objects.get(action=AuditAction.CALENDAR_PUBLISHED)
    assert event.actor == root and event.district_id is None
    assert event.detail["year"] == 2027 and event.detail["changes"] == 23


def test_after_publishing_working_days_skip_the_years_holidays(small, root, notice_2027):
    before = calendar_for(small.district.pk).add_working_days(dt.date(2027, 9, 30), 1)
    assert before == NATIONAL_DAY_2027  # no calendar for 2027 yet: Monday to Friday
    actions.publish_notice(root, district=None, text=notice_2027)
    assert calendar_for(small.district.pk).add_working_days(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 8)


def test_publishing_again_replaces_the_years_days_and_counts_only_the_differences(root, notice_2027):
    actions.publish_notice(root, district=None, text=notice_2027)
    rows = CalendarDay.objects.filter(district=None, date__year=2027).count()
    again = actions.publish_notice(root, district=None, text=notice_2027)
    assert again.changes == 0 and again.was_published
    assert CalendarDay.objects.filter(district=None, date__year=2027).count() == rows
    # A corrected notice: the Mid-autumn holiday moves a day; two dates change.
    corrected = notice_2027.replace("9月15日（周三）放假1天", "9月16日（周四）放假1天")
    result = actions.publish_notice(root, district=None, text=corrected)
    assert [(c.date, c.is_workday) for c in result.differences] == [
        (dt.date(2027, 9, 15), True),
        (dt.date(2027, 9, 16), False),
    ]
    assert calendar_for(None).is_workday(dt.date(2027, 9, 15))


def test_a_notice_equal_to_the_seeded_year_changes_nothing(root):
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    assert actions.preview_notice(root, district=None, text=text).changes == 0
    actions.set_day(None, district=None, date=dt.date(2026, 10, 9), is_workday=False, name="录入错误")
    preview = actions.publish_notice(root, district=None, text=text)
    assert [(c.date, c.was_workday, c.is_workday) for c in preview.differences] == [(dt.date(2026, 10, 9), False, True)]
    assert calendar_for(None).is_workday(dt.date(2026, 10, 9))


def test_a_district_publishes_its_own_year_and_keeps_its_local_overrides(small, district_admin, notice_2027):
    district = small.district
    local_holiday = dt.date(2027, 3, 8)  # a Monday
    actions.set_local_day(district_admin, district=district, date=local_holiday, is_workday=False, name="区庆")
    actions.set_local_day(district_admin, district=district, date=MAKE_UP_2027, is_workday=False, name="区里不调休")
    preview = actions.publish_notice(district_admin, district=district, text=notice_2027)
    assert set(preview.overridden) == {local_holiday, MAKE_UP_2027}
    calendar = calendar_for(district.pk)
    assert not calendar.is_workday(local_holiday) and not calendar.is_workday(MAKE_UP_2027)
    assert not calendar.is_workday(NATIONAL_DAY_2027)
    assert calendar_for(None).is_workday(NATIONAL_DAY_2027)  # the nation has no 2027 yet

    actions.publish_notice(district_admin, district=district, text=notice_2027)
    overrides = CalendarDay.objects.filter(district=district, is_local_override=True)
    assert sorted(overrides.values_list("date", "name")) == [(MAKE_UP_2027, "区里不调休"), (local_holiday, "区庆")]
    event = AuditEvent.objects.filter(action=AuditAction.CALENDAR_PUBLISHED).latest("pk")
    assert event.district_id == district.pk and event.actor == district_admin


def test_removing_a_local_override_gives_the_date_back_to_the_notice(small, district_admin, root, notice_2027):
    actions.publish_notice(root, district=None, text=notice_2027)
    day = actions.set_local_day(
        district_admin, district=small.district, date=NATIONAL_DAY_2027, is_workday=True, name="值守"
    )
    assert calendar_for(small.district.pk).is_workday(NATIONAL_DAY_2027)
    actions.remove_local_day(district_admin, day=day)
    assert not calendar_for(small.district.pk).is_workday(NATIONAL_DAY_2027)
    events = AuditEvent.objects.filter(action=AuditAction.CALENDAR_DAY_SET).order_by("pk")
    assert [e.detail["removed"] for e in events] == [False, True]


def test_a_district_notice_masks_a_national_day_it_does_not_give(small, district_admin, root):
    text_2026 = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    actions.set_day(root, district=None, date=dt.date(2026, 11, 27), is_workday=False, name="全国录入错误")
    actions.publish_notice(district_admin, district=small.district, text=text_2026)
    assert calendar_for(small.district.pk).is_workday(dt.date(2026, 11, 27))
    assert not calendar_for(None).is_workday(dt.date(2026, 11, 27))


def test_a_refused_text_writes_nothing(root, notice_2027):
    before = _snapshot()
    bad = notice_2027.replace("2月20日（周六）上班", "2月19日上班")
    with pytest.raises(DomainError) as caught:
        actions.publish_notice(root, district=None, text=bad)
    assert caught.value.code == "notice_unreadable"
    assert "2027-02-19" in caught.value.message and "春节" in caught.value.message
    assert _snapshot() == before


def test_only_the_districts_own_administrator_publishes_for_it(
    small, district_admin, other_admin, community_staff, worker_a, notice_2027
):
    for outsider in (other_admin, community_staff, worker_a):
        with pytest.raises(DomainError) as caught:
            actions.publish_notice(outsider, district=small.district, text=notice_2027)
        assert caught.value.status == 404
    with pytest.raises(DomainError) as caught:
        actions.publish_notice(district_admin, district=None, text=notice_2027)
    assert (caught.value.status, caught.value.code) == (403, "calendar_forbidden")
    with pytest.raises(DomainError) as caught:
        actions.set_local_day(
            other_admin, district=small.district, date=dt.date(2027, 3, 8), is_workday=False, name="x"
        )
    assert caught.value.status == 404
    day = actions.set_local_day(
        district_admin, district=small.district, date=dt.date(2027, 3, 8), is_workday=False, name="x"
    )
    with pytest.raises(DomainError) as caught:
        actions.remove_local_day(other_admin, day=day)
    assert caught.value.status == 404
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_year_given_must_be_the_titles(root, notice_2027):
    with pytest.raises(DomainError) as caught:
        actions.preview_notice(root, district=None, text=notice_2027, year=2028)
    assert caught.value.code == "notice_unreadable" and caught.value.details["line"] == 1
