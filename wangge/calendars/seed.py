"""The national calendar from the chinese-calendar package (which covers 2004 to 2026)."""

import datetime as dt

import chinese_calendar

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_days() -> list[tuple[dt.date, bool, str]]:
    """(date, is_workday, name) for every date that differs from Monday–Friday."""
    days = [
        (day, False, HOLIDAY_NAMES_ZH.get(name, name))
        for day, name in chinese_calendar.constants.holidays.items()
        if day.weekday() < 5
    ]
    days += [
        (day, True, f"{HOLIDAY_NAMES_ZH.get(name, name)}调休")
        for day, name in chinese_calendar.constants.workdays.items()
    ]
    return sorted(days)


def package_years() -> list[int]:
    return sorted({day.year for day in chinese_calendar.constants.holidays})
