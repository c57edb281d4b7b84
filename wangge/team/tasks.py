"""Background tasks of the team (run by `wangge worker`): each district's assessment at the end of
its period."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from wangge.areas.models import AreaNode, Level
from wangge.team.actions import run_period
from wangge.team.assessment import parse_period, rules_for


@task()
def assess_ended_periods() -> list[str]:
    """Compute and write, for every district, the period that ended yesterday (if one did): run
    on the first day of a month, it closes the last month (or quarter). Idempotent: a second run
    updates the same scores."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    done = []
    for district in AreaNode.objects.filter(level=Level.DISTRICT).order_by("pk"):
        period = parse_period(f"{yesterday:%Y-%m}", rules_for(district).period_kind)
        if period.end == yesterday:
            run_period(None, district=district, period_text=period.label, commit=True)
            done.append(f"{district.code} {period.label}")
    return done
