"""Work-calendar rows: only the dates that differ from Monday–Friday, and the years published.

Rows with no district are the national calendar (seeded from chinese-calendar, or published from
the State Council's notice); a district's own rows override them: the days of a notice the
district published itself, and its local overrides (a local holiday), which publishing a notice
again keeps.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped


class CalendarDay(TimeStamped):
    district = models.ForeignKey(
        AreaNode,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty for the national calendar."),
    )
    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_local_override = models.BooleanField(
        _("local override"),
        default=False,
        help_text=_("A district's own day (a local holiday): kept when the year's notice is published again."),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["district", "date"], name="calendar_day_unique"),
            models.UniqueConstraint(
                fields=["date"], condition=models.Q(district__isnull=True), name="calendar_national_day_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarYear(TimeStamped):
    """A year whose holidays and make-up days have been published and entered."""

    district = models.ForeignKey(
        AreaNode, verbose_name=_("district"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("published year")
        verbose_name_plural = _("published years")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="calendar_year_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(district__isnull=True), name="calendar_national_year_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)
