"""Reading organisation units within a user's scope, and the units' display names."""

from django.db.models import QuerySet

from wangge.accounts.models import User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, scope_q
from wangge.orgs.models import OrgLevelName, OrgUnit, ResidentUnit, UnitKind


def visible_units(user: User) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(scope_q(user, DISTRICT_COMMUNITY_GRID))


def visible_resident_units(user: User) -> QuerySet[ResidentUnit]:
    return ResidentUnit.objects.filter(scope_q(user, DISTRICT_COMMUNITY_GRID))


def kind_labels(district_id: int) -> dict[str, str]:
    """The district's name for each kind of unit (its own where configured, else the default)."""
    labels = {kind.value: str(kind.label) for kind in UnitKind}
    labels.update(OrgLevelName.objects.filter(district_id=district_id).values_list("kind", "name"))
    return labels
