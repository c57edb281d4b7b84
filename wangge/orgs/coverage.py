"""The coverage report ("zero blind spots", 零盲点): every grid has its grid general branch,
every building group its branch, every building and household a responsible member.

A household counts as covered when a responsibility zone holds it or its building. The
report is a fixed number of queries however large the district: one per kind of gap, one
for the grids and communities it is counted by.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import subtree_q, visible_areas
from wangge.orgs.models import VERTICAL_KIND_FOR_LEVEL, OrgUnit, ZoneArea


class GapKind:
    GRID_WITHOUT_UNIT = "grid_without_unit"
    GROUP_WITHOUT_UNIT = "building_group_without_unit"
    BUILDING_WITHOUT_MEMBER = "building_without_member"
    HOUSEHOLD_WITHOUT_MEMBER = "household_without_member"

    ALL = (GRID_WITHOUT_UNIT, GROUP_WITHOUT_UNIT, BUILDING_WITHOUT_MEMBER, HOUSEHOLD_WITHOUT_MEMBER)
    LABELS = {
        GRID_WITHOUT_UNIT: _("Grid without its grid general branch"),
        GROUP_WITHOUT_UNIT: _("Building group without its branch"),
        BUILDING_WITHOUT_MEMBER: _("Building without a responsible member"),
        HOUSEHOLD_WITHOUT_MEMBER: _("Household without a responsible member"),
    }


@dataclass(frozen=True)
class Gap:
    kind: str
    area_id: int
    code: str
    name: str
    community_id: int | None
    community_name: str
    grid_id: int | None
    grid_name: str

    @property
    def kind_label(self) -> str:
        return str(GapKind.LABELS[self.kind])


@dataclass
class CoverageLine:
    area_id: int
    code: str
    name: str
    level: str
    community_name: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GapKind.ALL, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class CoverageReport:
    gaps: list[Gap]
    communities: list[CoverageLine]
    grids: list[CoverageLine]
    totals: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def _has_unit(level: str) -> Exists:
    return Exists(OrgUnit.objects.filter(area=OuterRef("pk"), kind=VERTICAL_KIND_FOR_LEVEL[level]))


def _gaps(kind: str, nodes: QuerySet[AreaNode]) -> list[Gap]:
    rows = (
        nodes.select_related("community", "grid")
        .order_by("code")
        .only("id", "code", "name", "community_id", "community__name", "grid_id", "grid__name")
    )
    return [
        Gap(
            kind,
            n.pk,
            n.code,
            n.name,
            n.community_id,
            n.community.name if n.community else "",
            n.grid_id,
            n.grid.name if n.grid else "",
        )
        for n in rows
    ]


def gaps_in(nodes: QuerySet[AreaNode]) -> list[Gap]:
    """The gaps among `nodes` (e.g. a district's, for the assessment's indicator): one query per
    kind of gap."""
    covered_directly = Exists(ZoneArea.objects.filter(area=OuterRef("pk")))
    covered_by_building = Exists(ZoneArea.objects.filter(area=OuterRef("building_id")))
    return (
        _gaps(GapKind.GRID_WITHOUT_UNIT, nodes.filter(level=Level.GRID).exclude(_has_unit(Level.GRID)))
        + _gaps(
            GapKind.GROUP_WITHOUT_UNIT,
            nodes.filter(level=Level.BUILDING_GROUP).exclude(_has_unit(Level.BUILDING_GROUP)),
        )
        + _gaps(GapKind.BUILDING_WITHOUT_MEMBER, nodes.filter(level=Level.BUILDING).exclude(covered_directly))
        + _gaps(
            GapKind.HOUSEHOLD_WITHOUT_MEMBER,
            nodes.filter(level=Level.HOUSEHOLD).exclude(Q(covered_directly) | Q(covered_by_building)),
        )
    )


def coverage_report(user: User, within: AreaNode | None = None) -> CoverageReport:
    """Gaps in the user's scope (narrowed to `within`'s subtree when given)."""
    nodes = visible_areas(user)
    if within is not None:
        nodes = nodes.filter(subtree_q(within))
    gaps = gaps_in(nodes)
    communities: dict[int, CoverageLine] = {}
    grids: dict[int, CoverageLine] = {}
    for node in nodes.filter(level__in=[Level.COMMUNITY, Level.GRID]).select_related("community").order_by("code"):
        line = CoverageLine(node.pk, node.code, node.name, node.level, node.community.name if node.community else "")
        (communities if node.level == Level.COMMUNITY else grids)[node.pk] = line
    totals: dict[str, int] = defaultdict(int)
    for gap in gaps:
        totals[gap.kind] += 1
        for index, key in ((communities, gap.community_id), (grids, gap.grid_id)):
            if key in index:
                index[key].counts[gap.kind] += 1
    return CoverageReport(
        gaps, list(communities.values()), list(grids.values()), {kind: totals[kind] for kind in GapKind.ALL}
    )
