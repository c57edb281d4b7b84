"""`wangge workdays publish FILE [--year] [--district] [--commit] [--json]`."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wangge.calendars.models import CalendarYear
from wangge.calendars.queries import calendar_for
from wangge.calendars.tests.factories import EXAMPLE_2027, NOTICES


def _run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", "publish", *args, stdout=out)
    return out.getvalue()


def test_json_prints_the_year_its_days_and_the_changes_without_writing(db):
    body = json.loads(_run(str(EXAMPLE_2027), "--json"))
    assert body["year"] == 2027 and body["changes"] == 23 and body["committed"] is False
    assert "2027-10-01" in body["holidays"] and "2027-02-20" in body["workdays"]
    assert len(body["workdays"]) == 5
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_commit_publishes_and_a_second_run_finds_no_change(db):
    _run(str(EXAMPLE_2027), "--commit")
    assert CalendarYear.objects.filter(district=None, year=2027).exists()
    assert not calendar_for(None).is_workday(dt.date(2027, 10, 1))
    assert json.loads(_run(str(EXAMPLE_2027), "--json"))["changes"] == 0


def test_a_district_code_publishes_for_that_district(small):
    _run(str(EXAMPLE_2027), "--district", small.district.code, "--commit")
    assert CalendarYear.objects.filter(district=small.district, year=2027).exists()
    assert not CalendarYear.objects.filter(district=None, year=2027).exists()


def test_the_plain_output_lists_each_festival_and_says_it_is_a_dry_run(db, english):
    out = _run(str(NOTICES / "2025.txt"))
    assert "春节: 2025-01-28 to 2025-02-04 off (8 days)" in out
    assert "2025: 0 days differ" in out and "--commit" in out


def test_a_text_it_cannot_read_exits_non_zero_naming_the_line(db, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(EXAMPLE_2027.read_text(encoding="utf-8").replace("4月25日（周日）上班", "4月26日上班"))
    with pytest.raises(CommandError) as caught:
        _run(str(bad), "--commit")
    assert "notice_unreadable" in str(caught.value) and "四、劳动节" in str(caught.value)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_an_unknown_district_or_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError):
        _run(str(EXAMPLE_2027), "--district", "NOPE")
    with pytest.raises(CommandError):
        _run(str(tmp_path / "missing.txt"))
