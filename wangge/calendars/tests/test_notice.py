"""The notice reader: every State Council notice 2015–2026 gives chinese-calendar's days; bad
texts are refused with the line named.

The fixtures in `notices/` are the notices' wording. Where a year's days came from more than
one notice, the later notice follows the first in the same file, under its own title:
2015.txt ends with the notice of the 70th anniversary holiday (3–5 September, 6 September
worked), 2019.txt with the revised Labour Day (1–4 May), 2020.txt with the longer Spring
Festival (to 2 February; the make-up Saturday 1 February falls away).
"""

import datetime as dt

import pytest
from chinese_calendar.constants import holidays as package_holidays
from chinese_calendar.constants import workdays as package_workdays

from wangge.calendars.notice import FESTIVALS, NoticeError, parse_notice, window
from wangge.calendars.tests.factories import NOTICES

YEARS = range(2015, 2027)

# chinese-calendar is not consistent about a weekend beside a one-day holiday ("与周末连休"):
# it counts it as holiday in 2019 and before New Year 2024, not in 2016, 2018 or for the Dragon
# Boat Festival of 2024; and it leaves out Saturday 5 September 2015 of the "9月3日至5日" holiday.
# Saturdays and Sundays only: they change no working day. The reader follows the notice's words.
PACKAGE_ONLY_WEEKEND_HOLIDAYS = {
    2019: {dt.date(2019, 4, 6), dt.date(2019, 4, 7), dt.date(2019, 6, 8), dt.date(2019, 6, 9)}
    | {dt.date(2019, 9, 14), dt.date(2019, 9, 15)},
    2024: {dt.date(2023, 12, 30), dt.date(2023, 12, 31)},
}
NOTICE_ONLY_WEEKEND_HOLIDAYS = {2015: {dt.date(2015, 9, 5)}}


def notice_text(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def package_days(year: int) -> tuple[set[dt.date], set[dt.date]]:
    """chinese-calendar's days off and make-up days that the year's notice governs."""
    first, last = window(year)
    return {d for d in package_holidays if first <= d <= last}, {d for d in package_workdays if first <= d <= last}


@pytest.mark.parametrize("year", YEARS)
def test_every_notice_gives_exactly_the_days_of_chinese_calendar(year):
    notice = parse_notice(notice_text(year))
    holidays, workdays = package_days(year)
    assert notice.year == year
    assert set(notice.workdays) == workdays
    expected = (holidays - PACKAGE_ONLY_WEEKEND_HOLIDAYS.get(year, set())) | NOTICE_ONLY_WEEKEND_HOLIDAYS.get(
        year, set()
    )
    assert set(notice.holidays) == expected


def test_the_known_differences_from_chinese_calendar_are_weekends_only():
    for days in [*PACKAGE_ONLY_WEEKEND_HOLIDAYS.values(), *NOTICE_ONLY_WEEKEND_HOLIDAYS.values()]:
        assert all(day.weekday() >= 5 for day in days)


@pytest.mark.parametrize("year", YEARS)
def test_every_notice_gives_the_seven_festivals_with_their_names(year):
    notice = parse_notice(notice_text(year))
    assert {f for item in notice.items for f in item.festivals} == set(FESTIVALS)
    assert notice.holidays[dt.date(year, 10, 1)] in ("国庆节", "中秋节、国庆节", "国庆节、中秋节")


def test_the_2025_notice_names_each_festival_and_combines_national_day_and_mid_autumn():
    notice = parse_notice(notice_text(2025))
    assert [item.label for item in notice.items] == ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节、中秋节"]
    assert notice.holidays[dt.date(2025, 1, 28)] == "春节"
    assert sorted(notice.workdays) == [dt.date(2025, 1, 26), dt.date(2025, 2, 8), dt.date(2025, 4, 27)] + [
        dt.date(2025, 9, 28),
        dt.date(2025, 10, 11),
    ]


def test_extra_notices_in_the_same_text_amend_the_year():
    notice_2015 = parse_notice(notice_text(2015))
    assert notice_2015.holidays[dt.date(2015, 9, 3)].startswith("中国人民抗日战争")
    assert dt.date(2015, 9, 6) in notice_2015.workdays
    notice_2020 = parse_notice(notice_text(2020))
    assert max(d for d, name in notice_2020.holidays.items() if name == "春节") == dt.date(2020, 2, 2)
    assert dt.date(2020, 2, 1) not in notice_2020.workdays
    notice_2019 = parse_notice(notice_text(2019))
    assert [d for d, name in notice_2019.holidays.items() if name == "劳动节"] == [
        dt.date(2019, 5, d) for d in range(1, 5)
    ]


def test_a_notice_across_the_new_year_reads_both_years():
    notice = parse_notice(notice_text(2019))
    assert {dt.date(2018, 12, 30), dt.date(2018, 12, 31), dt.date(2019, 1, 1)} <= set(notice.holidays)
    assert dt.date(2018, 12, 29) in notice.workdays


def test_half_width_punctuation_and_dashes_read_the_same():
    text = notice_text(2025).replace("：", ":").replace("，", ",").replace("（", "(").replace("）", ")")
    text = text.replace("1月28日(农历除夕、周二)至2月4日", "1月28日(农历除夕、周二)—2月4日")
    text = text.replace("5月1日(周四)至5日", "5月1日(周四)－5日")
    assert parse_notice(text).holidays == parse_notice(notice_text(2025)).holidays


def test_the_year_may_be_given_when_the_title_is_not_pasted(english):
    body = "\n".join(line for line in notice_text(2026).splitlines() if "关于" not in line)
    assert parse_notice(body, 2026).year == 2026
    with pytest.raises(NoticeError, match="year"):
        parse_notice(body)


def test_a_year_given_that_is_not_the_titles_is_refused_on_the_title_line():
    with pytest.raises(NoticeError) as caught:
        parse_notice(notice_text(2026), 2027)
    assert caught.value.line == 1


def _refused(text: str) -> NoticeError:
    with pytest.raises(NoticeError) as caught:
        parse_notice(text)
    return caught.value


def _line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_a_missing_festival_line_is_refused_naming_the_festival(english):
    text = "\n".join(line for line in notice_text(2026).splitlines() if not line.startswith("五、端午节"))
    error = _refused(text)
    assert "端午节" in str(error) and "missing" in str(error)


def test_an_impossible_date_is_refused_with_its_line():
    text = notice_text(2026).replace("4月4日（周六）至6日（周一）", "4月31日至6日")
    error = _refused(text)
    assert error.line == _line_of(text, "三、清明节")
    assert "2026-04-31" in str(error) and "清明节" in str(error)


def test_a_make_up_day_on_a_weekday_is_refused_with_its_line():
    text = notice_text(2026).replace("5月9日（周六）上班", "5月8日上班")
    error = _refused(text)
    assert error.line == _line_of(text, "四、劳动节")
    assert "2026-05-08" in str(error)


def test_a_wrong_weekday_in_parentheses_is_refused_with_its_line():
    text = notice_text(2025).replace("1月26日（周日）", "1月26日（周六）")
    error = _refused(text)
    assert error.line == _line_of(text, "二、春节")
    assert "2025-01-26" in str(error)


def test_a_day_count_that_is_not_the_ranges_is_refused():
    text = notice_text(2026).replace("共9天", "共8天")
    error = _refused(text)
    assert error.line == _line_of(text, "二、春节") and "8" in str(error)


def test_a_sentence_it_cannot_read_is_refused_with_its_line():
    text = notice_text(2026).replace(
        "六、中秋节：9月25日（周五）至27日（周日）放假，共3天。", "六、中秋节：9月25日前后放假。"
    )
    error = _refused(text)
    assert error.line == _line_of(text, "六、中秋节")
    assert "9月25日前后放假" in str(error)


def test_a_range_that_ends_before_it_begins_is_refused():
    text = notice_text(2026).replace("4月4日（周六）至6日（周一）放假，共3天", "4月4日至2日放假")
    assert _refused(text).line == _line_of(text, "三、清明节")


def test_a_festival_given_twice_in_one_notice_is_refused():
    lines = notice_text(2026).splitlines()
    index = _line_of("\n".join(lines), "七、国庆节")
    lines.insert(index, "八、国庆节：10月8日放假。")
    error = _refused("\n".join(lines))
    assert error.line == index + 1


def test_the_error_speaks_chinese_by_default_and_names_the_line():
    text = notice_text(2026).replace("5月9日（周六）上班", "5月8日上班")
    assert str(_refused(text)).startswith(f"第{_line_of(text, '四、劳动节')}行（四、劳动节：")


def test_an_item_broken_over_lines_is_read_as_one():
    text = (
        notice_text(2025)
        .replace("（农历正月初七、周二）", "（农历正月初七、\n周二）")
        .replace("共8天。1月26日", "共8天。\n1月26日")
    )
    notice = parse_notice(text)
    assert notice.holidays == parse_notice(notice_text(2025)).holidays
    assert dt.date(2025, 1, 26) in notice.workdays
    bad = text.replace("\n1月26日（周日）", "\n1月27日（周一）")
    error = _refused(bad)
    assert error.line == _line_of(bad, "二、春节") and "2025-01-27" in str(error)
