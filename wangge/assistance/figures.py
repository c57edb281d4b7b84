"""The figures of the assistance database, from its records; each defined once here, in words
beside it (and in docs/assistance.md). Pages, the API and the dashboard call these.

- **Households in the database**: the area's dossiers in state new, being helped or stabilised
  (`models.ACTIVE_STATES`); dossiers out of difficulty, moved away or closed are kept with their
  history but no longer counted.
- **Paired**: of those, the ones with at least one current pair (not ended).
- **Visited in 30 days**: of those, the ones whose household had a household visit (field work)
  in the last 30 days, today included; any visit to the household counts as the dossier's.
- **Need met**: of those, the ones with at least one need in state met.
- **By state**: every dossier of the area, counted by its state.
- **By cause**: the dossiers in the database counted by each cause they name (a dossier naming
  two causes counts under both). Causes are encrypted: they are read and decrypted here, one
  query for the area, and only the counts leave this module.
"""

import datetime as dt
import json
from collections import Counter
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from wangge.areas.models import AreaNode
from wangge.assistance.models import ACTIVE_STATES, Cause, Dossier, DossierState, Need, NeedState, Pair
from wangge.assistance.queries import in_area
from wangge.fieldwork.models import Visit
from wangge.lib.crypto import decrypt_field

VISITED_DAYS = 30


def coverage(area: AreaNode, today: dt.date | None = None) -> dict[str, int]:
    """`households`, `paired`, `visited_30d` and `need_met` for the area (defined above). One query."""
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=VISITED_DAYS - 1), dt.time.min))
    dossiers = in_area(Dossier.objects.filter(state__in=ACTIVE_STATES), area).annotate(
        is_paired=Exists(Pair.objects.filter(dossier_id=OuterRef("pk"), ended_on__isnull=True)),
        is_visited=Exists(Visit.objects.filter(household_id=OuterRef("household_id"), visited_at__gte=since)),
        has_met=Exists(Need.objects.filter(dossier_id=OuterRef("pk"), state=NeedState.MET)),
    )
    counts = dossiers.aggregate(
        households=Count("pk"),
        paired=Count("pk", filter=Q(is_paired=True)),
        visited_30d=Count("pk", filter=Q(is_visited=True)),
        need_met=Count("pk", filter=Q(has_met=True)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def by_state(area: AreaNode) -> dict[str, int]:
    """Every dossier of the area by state (each state present, 0 when none). One query."""
    found = dict(in_area(Dossier.objects.all(), area).order_by().values_list("state").annotate(n=Count("pk")))
    return {state.value: found.get(state.value, 0) for state in DossierState}


def by_cause(area: AreaNode) -> dict[str, int]:
    """The dossiers in the database by cause (each cause present, 0 when none). One query."""
    counted: Counter[str] = Counter()
    for dossier in in_area(Dossier.objects.filter(state__in=ACTIVE_STATES), area).only("pk", "causes_encrypted"):
        text = decrypt_field(dossier, "causes_encrypted")
        counted.update(json.loads(text) if text else [])
    return {cause.value: counted.get(cause.value, 0) for cause in Cause}


def figures(area: AreaNode, today: dt.date | None = None) -> dict[str, Any]:
    return {**coverage(area, today), "by_state": by_state(area), "by_cause": by_cause(area)}
