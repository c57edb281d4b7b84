"""Star levels of volunteers by cumulative service hours, the national levels of registered
volunteers (星级志愿者): one star from 100 hours, two from 300, three from 600, four from 1,000 and
five from 1,500. The one place the thresholds are written."""

from decimal import Decimal

# (stars, cumulative hours from which they are earned), highest first.
THRESHOLDS: tuple[tuple[int, int], ...] = ((5, 1500), (4, 1000), (3, 600), (2, 300), (1, 100))


def stars_for(hours: Decimal | float) -> int:
    """The star level of a volunteer with `hours` cumulative hours (0 below 100 hours)."""
    for stars, least in THRESHOLDS:
        if hours >= least:
            return stars
    return 0


def next_level(hours: Decimal | float) -> tuple[int, int] | None:
    """(stars, hours) of the next level up, or None at five stars."""
    for stars, least in reversed(THRESHOLDS):
        if hours < least:
            return stars, least
    return None
