"""Read helpers behind the web pages. Each is a fixed number of queries however many rows it
returns; views call them with a node already loaded in the user's scope."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.accounts.models import PERSONAL_DATA_ROLES, Role, User
from wangge.accounts.scope import assignments_of, has_role, has_role_over
from wangge.areas.models import ANCESTOR_LEVELS, LEVELS, AreaNode, GridBoundary, Level
from wangge.areas.queries import visible_areas
from wangge.cases.policy import can_file
from wangge.cases.queries import overdue_by_grid
from wangge.fieldwork.queries import grid_team
from wangge.lib.geo import from_wgs84
from wangge.orgs.models import HORIZONTAL_KINDS, DemonstrationHousehold, OrgUnit, UnitKind, ZoneArea
from wangge.orgs.queries import kind_labels
from wangge.people.models import HouseholdMember, WorkerKind
from wangge.resources.cobuilding import OWNER_ROLES

# Community colours on the maps (colour-blind-safe, readable on a light base map).
PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]

COUNTED_LEVELS = [Level.COMMUNITY, Level.GRID, Level.BUILDING, Level.HOUSEHOLD]


# --- scope -------------------------------------------------------------------------------


def has_scope(user: User) -> bool:
    return bool(user.is_superuser or assignments_of(user))


# Who may use each page (docs/decisions.md, "Pages by role"). A page not named here is open to
# every user with a role (home, cases, filing, notifications, the board). Both the menu and the
# views ask `allowed`; a page the user may not use answers 404.
AREA_STAFF_ROLES = frozenset({*PERSONAL_DATA_ROLES, Role.SUPERVISOR})
PAGE_ROLES: dict[str, frozenset[str]] = {
    "areas": AREA_STAFF_ROLES,
    "coverage": AREA_STAFF_ROLES,
    "people": frozenset(PERSONAL_DATA_ROLES),
    "imports": frozenset(PERSONAL_DATA_ROLES),
    "units": frozenset({Role.DISTRICT_ADMIN}),
    # The grid team's field work (wangge.web.fieldwork): recorded by the team, community staff
    # and district administrators.
    "fieldwork": frozenset(
        {Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN}
    ),  # handling units' staff (wangge.web.units)
    # 困难帮扶 (wangge.web.assistance): the worklist and dossiers, kept by the grid team, community
    # staff and district administrators (a paired member's own page needs no role).
    "assistance": frozenset(
        {Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN}
    ),
    # The paired helper's own page (wangge.web.assistance.my_pairs) in the menu of members and
    # volunteers; the page itself needs only a login and answers the user's own pairs.
    "assistance_mine": frozenset({Role.MEMBER, Role.VOLUNTEER}),
    # The team's roster and star-rated assessment (wangge.web.team): the grid team reads its own
    # grid's roster and scores, community staff and the district theirs.
    "team": frozenset(
        {Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN}
    ),
    # Small wishes (wangge.web.wishes): residents post and confirm, members claim and fulfil,
    # the grid team and community staff post service tasks.
    "wishes": frozenset(
        {Role.RESIDENT, Role.MEMBER, Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER, Role.COMMUNITY_STAFF}
    ),
    # Members and their community (wangge.web.members): the member's own page in the menu of
    # members (the page needs only a login and answers the user's own records); the community
    # staff's registrations, commitments and services to confirm.
    "members_mine": frozenset({Role.MEMBER}),
    "members_staff": frozenset({Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN}),
    # Editing a grid's team (wangge.web.fieldwork_team): the community's staff over its grids,
    # the district's administrators (wangge.accounts.admin_scope decides which grids).
    "grid_team": frozenset({Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF}),
    # The administration pages (wangge.web.manage). Community staff manage the grid roles of
    # their community, nothing above (wangge.accounts.admin_scope decides which roles).
    "manage": frozenset({Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF}),
    "manage_users": frozenset({Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF}),
    "manage_catalogue": frozenset({Role.DISTRICT_ADMIN}),
    "manage_routing": frozenset({Role.DISTRICT_ADMIN}),
    "manage_calendar": frozenset({Role.DISTRICT_ADMIN}),
    "manage_keys": frozenset({Role.DISTRICT_ADMIN}),
    "manage_onboarding": frozenset({Role.DISTRICT_ADMIN}),
    "manage_checklist": frozenset({Role.DISTRICT_ADMIN}),
    # Shared facilities (wangge.web.resources): residents and organisations book, resident units
    # and the community's staff manage theirs (wangge.resources.queries decides which).
    "resources": frozenset(
        {Role.RESIDENT, Role.SOCIAL_ORG, Role.RESIDENT_UNIT, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN}
    ),
    "resources_manage": frozenset({Role.RESIDENT_UNIT, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN}),
    # 数据看板 (wangge.web.dashboard): the results and operations figures of an area
    # (wangge.dashboard.queries decides which areas).
    "dashboard": frozenset({Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.SUPERVISOR}),
    # The social organisations registry and their projects (wangge.web.resources, .social_orgs):
    # the community's staff keep it, an organisation's own account records its projects.
    "social_orgs": frozenset(
        {Role.RESIDENT_UNIT, Role.SOCIAL_ORG, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN, Role.SUPERVISOR}
    ),
    # Co-building (wangge.web.cobuilding): the keepers, the resident units' accounts, and whoever
    # may be given a meeting's decision (wangge.resources.cobuilding decides what each reads).
    "cobuilding": frozenset({*OWNER_ROLES, Role.DISTRICT_ADMIN}),
    # 志愿服务 (wangge.web.volunteers): volunteers sign up and log hours, the station's staff keep
    # it, residents join activities, members (who may volunteer too) see their community's
    # (wangge.volunteers.queries decides what each sees).
    "volunteers": frozenset({Role.VOLUNTEER, Role.RESIDENT, Role.MEMBER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN}),
}


def allowed(user: User, page: str) -> bool:
    """Whether the user may use `page` (a key of PAGE_ROLES, or any other page: every role)."""
    if not has_scope(user):
        return False
    roles = PAGE_ROLES.get(page)
    return roles is None or has_role(user, *roles)


@dataclass
class TopScope:
    level: str
    areas: list[AreaNode]


def top_scope(user: User) -> TopScope:
    """The highest level among the user's assignments and the areas assigned at that level."""
    if user.is_superuser:
        return TopScope(Level.DISTRICT, list(AreaNode.objects.filter(level=Level.DISTRICT)))
    areas = {a.area_id: a.area for a in assignments_of(user)}.values()
    level = min((a.level for a in areas), key=LEVELS.index)
    return TopScope(level, sorted((a for a in areas if a.level == level), key=lambda a: a.code))


def can_read_personal_data(user: User, node: AreaNode) -> bool:
    return has_role_over(user, node, *PERSONAL_DATA_ROLES)


# --- counts ------------------------------------------------------------------------------


def area_totals(nodes: QuerySet[AreaNode]) -> dict[str, int]:
    """Number of communities, grids, buildings and households among `nodes`: one query."""
    return nodes.aggregate(**{level: Count("pk", filter=Q(level=level)) for level in COUNTED_LEVELS})


@dataclass
class CountedNode:
    node: AreaNode
    counts: dict[str, int]

    @property
    def url(self) -> str:
        return reverse("area", args=[self.node.pk])


def _counts_by(nodes: QuerySet[AreaNode], by: str, levels: list[str]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(levels, 0))
    rows = nodes.filter(level__in=levels).values(f"{by}_id", "level").annotate(n=Count("pk")).order_by()
    for row in rows:
        counts[row[f"{by}_id"]][row["level"]] = row["n"]
    return counts


def nodes_with_counts(nodes: QuerySet[AreaNode], level: str) -> list[CountedNode]:
    """The nodes of `level` among `nodes`, each with the number of nodes below it at each level: two queries."""
    below: list[str] = [lvl for lvl in COUNTED_LEVELS if LEVELS.index(lvl) > LEVELS.index(level)]
    counts = _counts_by(nodes, level, below)
    rows = nodes.filter(level=level).select_related("community").order_by("code")
    return [CountedNode(n, counts.get(n.pk, dict.fromkeys(below, 0))) for n in rows]


# --- breadcrumb --------------------------------------------------------------------------


@dataclass
class Crumb:
    name: str
    level_label: str
    url: str | None


def breadcrumb(user: User, node: AreaNode) -> list[Crumb]:
    """The node's ancestors, top down; linked where the user may open them. One query."""
    ids = [getattr(node, f"{lvl}_id") for lvl in ANCESTOR_LEVELS if lvl != node.level]
    ids = [i for i in ids if i is not None and i != node.pk]
    if not ids:
        return []
    visible = visible_areas(user).filter(pk=OuterRef("pk"))
    found = AreaNode.objects.filter(pk__in=ids).only("id", "name", "level").annotate(visible=Exists(visible))
    rows = sorted(found, key=lambda n: LEVELS.index(n.level))
    return [Crumb(n.name, n.get_level_display(), reverse("area", args=[n.pk]) if n.visible else None) for n in rows]


# --- GeoJSON -----------------------------------------------------------------------------


def convert_geometry(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """A GeoJSON geometry with every WGS-84 position converted to `crs` for display."""
    if crs == "wgs84":
        return geometry

    def convert(coords: Any) -> Any:
        if coords and isinstance(coords[0], (int, float)):
            lng, lat = from_wgs84(float(coords[0]), float(coords[1]), crs)
            return [round(lng, 7), round(lat, 7)]
        return [convert(c) for c in coords]

    return {**geometry, "coordinates": convert(geometry["coordinates"])}


def convert_point(lng: float, lat: float, crs: str) -> tuple[float, float]:
    lng, lat = from_wgs84(lng, lat, crs)
    return round(lng, 7), round(lat, 7)


def pick_districts(user: User) -> list[int]:
    """The districts a resident (a household-level assignment) may file in: on the pick map they
    see the grids and buildings of the whole district, not only their household."""
    return sorted(
        {
            a.district_id
            for a in assignments_of(user)
            if a.area.level == Level.HOUSEHOLD and can_file(user, a.district_id)
        }
    )


def map_areas(user: User, *, pick: bool = False) -> QuerySet[AreaNode]:
    """The areas the user's maps draw: the user's scope; on the pick map also the districts a
    resident may file in."""
    areas = visible_areas(user)
    districts = pick_districts(user) if pick else []
    return areas | AreaNode.objects.filter(district_id__in=districts) if districts else areas


def own_grids(user: User) -> set[int] | None:
    """The grids highlighted as the user's own on the pick map: a resident's household grid(s);
    None for staff, whose maps draw only their own grids anyway."""
    grids = {a.area.grid_id for a in assignments_of(user) if a.area.level == Level.HOUSEHOLD and a.area.grid_id}
    return grids or None


def grids_feature_collection(user: User, crs: str, *, pick: bool = False, overdue: bool = False) -> dict[str, Any]:
    """The current polygons of the grids on the user's maps (`map_areas`): one query for the
    names, one for the boundaries; with `overdue`, one more for the count of overdue cases per
    grid (`cases.queries.overdue_by_grid`); with `pick`, each grid says whether it is the user's own."""
    features = grid_features(map_areas(user, pick=pick).filter(level=Level.GRID), crs, with_urls=True)
    own = own_grids(user) if pick else None
    counts = overdue_by_grid(user) if overdue else {}
    for feature in features:
        props = feature["properties"]
        if pick:
            props["own"] = own is None or props["id"] in own
        if overdue:
            props["overdue"] = counts.get(props["id"], 0)
    return {"type": "FeatureCollection", "crs_display": crs, "features": features}


def public_grids_feature_collection(district: AreaNode, crs: str) -> dict[str, Any]:
    """The district's grid outlines for the public board: names and outlines only (two queries)."""
    grids = AreaNode.objects.filter(district_id=district.pk, level=Level.GRID)
    return {"type": "FeatureCollection", "crs_display": crs, "features": grid_features(grids, crs, with_urls=False)}


def grid_features(grids: QuerySet[AreaNode], crs: str, *, with_urls: bool) -> list[dict[str, Any]]:
    """GeoJSON features of the grids' current boundaries, coloured by community, sorted by code."""
    names = {
        row["id"]: row
        for row in grids.values("id", "name", "code", "community_id", "community__name", "community__code")
    }
    communities = sorted({(row["community__code"] or "", row["community_id"]) for row in names.values()})
    colour = {community_id: PALETTE[i % len(PALETTE)] for i, (_code, community_id) in enumerate(communities)}
    boundaries = (
        GridBoundary.objects.filter(grid_id__in=grids.values("pk"), valid_to__isnull=True)
        .order_by("grid_id")
        .values_list("grid_id", "geometry")
    )
    features: list[dict[str, Any]] = []
    for grid_id, geometry in boundaries:
        row = names.get(grid_id)
        if row is None:
            continue
        props: dict[str, Any] = {
            "id": grid_id,
            "name": row["name"],
            "code": row["code"],
            "community": row["community__name"] or "",
            "community_id": row["community_id"],
            "color": colour.get(row["community_id"], PALETTE[0]),
        }
        if with_urls:
            props["url"] = reverse("area", args=[grid_id])
        features.append(
            {"type": "Feature", "id": grid_id, "geometry": convert_geometry(geometry, crs), "properties": props}
        )
    features.sort(key=lambda f: f["properties"]["code"])
    return features


# Buildings on the map: at most this many per request (the map asks only when zoomed in).
MAP_BUILDINGS = 2000


def buildings_feature_collection(
    user: User, box: tuple[float, float, float, float], crs: str, *, pick: bool = False
) -> dict[str, Any]:
    """The buildings on the user's maps (`map_areas`) inside `box` (west, south, east, north in
    WGS-84) as points in `crs`: one query, at most MAP_BUILDINGS (`truncated` says when more)."""
    west, south, east, north = box
    rows = list(
        map_areas(user, pick=pick)
        .filter(level=Level.BUILDING, lng__gte=west, lng__lte=east, lat__gte=south, lat__lte=north)
        .order_by("code", "id")
        .values("id", "name", "address", "lng", "lat", "grid__name")[: MAP_BUILDINGS + 1]
    )
    features = []
    for row in rows[:MAP_BUILDINGS]:
        grid = row["grid__name"] or ""
        label = _("%(building)s (%(grid)s)") % {"building": row["name"], "grid": grid} if grid else row["name"]
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                # Both set: the box above leaves out buildings without a place.
                "geometry": {"type": "Point", "coordinates": list(convert_point(row["lng"], row["lat"], crs))},  # type: ignore[arg-type]
                "properties": {
                    "id": row["id"],
                    "name": row["name"],
                    "address": row["address"],
                    "grid": grid,
                    "label": label,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "crs_display": crs,
        "truncated": len(rows) > MAP_BUILDINGS,
        "features": features,
    }


# --- grid page ---------------------------------------------------------------------------


@dataclass
class UnitLine:
    unit: OrgUnit
    label: str
    depth: int


@dataclass
class ResponsibleMember:
    name: str
    phone_masked: str
    kind_label: str
    zones: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)


def _unit_lines(units: list[OrgUnit], labels: dict[str, str]) -> list[UnitLine]:
    """Vertical units as an indented list, parents before children (depth-first)."""
    ids = {u.pk for u in units}
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id if unit.parent_id in ids else None].append(unit)
    lines: list[UnitLine] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: (u.area.code, u.name)):
            lines.append(UnitLine(unit, labels.get(unit.kind, unit.kind), depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return lines


def _responsible(zone_links: list[ZoneArea]) -> tuple[list[ResponsibleMember], dict[int, list[str]]]:
    """Members answering for the linked areas, and the member names answering for each area id."""
    members: dict[int, ResponsibleMember] = {}
    by_area: dict[int, list[str]] = defaultdict(list)
    for link in zone_links:
        member = link.zone.member
        person = member.person
        entry = members.setdefault(
            member.pk, ResponsibleMember(person.name, person.phone_masked, str(member.get_kind_display()))
        )
        if link.zone.name not in entry.zones:
            entry.zones.append(link.zone.name)
        entry.areas.append(link.area.name)
        if person.name not in by_area[link.area_id]:
            by_area[link.area_id].append(person.name)
    return sorted(members.values(), key=lambda m: m.name), by_area


_ZONE_RELATED = ("zone__member__person", "area")


def grid_map_data(
    grid: AreaNode, buildings: Iterable[AreaNode], crs: str, tap: Callable[[AreaNode], dict[str, Any]]
) -> dict[str, Any]:
    """The inline data of a grid's map (`map.js`, kind `grid`): its outline and its buildings with
    a point, each with what a tap on it does (`tap(building)`: `{"url": …}` opens a page,
    `{"button": element id}` presses that button of the page)."""
    boundary = GridBoundary.objects.filter(grid_id=grid.pk, valid_to__isnull=True).values_list("geometry", flat=True)
    geometry = next(iter(boundary), None)
    return {
        "outline": convert_geometry(geometry, crs) if geometry else None,
        "points": [
            {"name": b.name, "lnglat": convert_point(b.lng, b.lat, crs), **tap(b)}
            for b in buildings
            if b.lng is not None and b.lat is not None
        ],
    }


def grid_detail(grid: AreaNode, crs: str) -> dict[str, Any]:
    labels = kind_labels(grid.district_id)
    units = list(OrgUnit.objects.filter(grid_id=grid.pk).select_related("area", "secretary"))
    vertical = [u for u in units if u.kind not in HORIZONTAL_KINDS]
    horizontal = [
        UnitLine(u, labels.get(u.kind, u.kind), 0)
        for u in sorted(units, key=lambda u: u.name)
        if u.kind in HORIZONTAL_KINDS
    ]
    nodes = list(
        AreaNode.objects.filter(grid_id=grid.pk, level__in=[Level.BUILDING_GROUP, Level.BUILDING])
        .annotate(n_children=Count("children"))
        .order_by("code")
    )
    zone_links = list(ZoneArea.objects.filter(grid_id=grid.pk).select_related(*_ZONE_RELATED).order_by("area__code"))
    members, by_area = _responsible(zone_links)
    groups = []
    for group in (n for n in nodes if n.level == Level.BUILDING_GROUP):
        buildings = [n for n in nodes if n.parent_id == group.pk]
        for building in buildings:
            building.responsible = by_area.get(building.pk, [])  # type: ignore[attr-defined]
        groups.append({"node": group, "buildings": buildings, "households": sum(b.n_children for b in buildings)})
    order: dict[str, int] = {WorkerKind.GRID_SECRETARY: 0, WorkerKind.GRID_LEADER: 1, WorkerKind.GRID_WORKER: 2}
    # 网格队伍: the role holders and the registry's workers of the grid (fieldwork.queries.grid_team).
    team = grid_team(grid)
    team_users = [
        (Role(role).label, user)
        for role, users in (
            (Role.GRID_SECRETARY, team.secretaries),
            (Role.GRID_LEADER, team.leaders),
            (Role.GRID_WORKER, team.workers),
        )
        for user in users
    ]
    workers = sorted(team.worker_profiles, key=lambda w: (order.get(w.kind, 9), w.person.name))
    buildings = [n for n in nodes if n.level == Level.BUILDING]
    map_data = grid_map_data(grid, buildings, crs, lambda b: {"url": reverse("area", args=[b.pk])})
    return {
        "team_users": team_users,
        "unit_lines": _unit_lines(vertical, labels),
        "horizontal_units": horizontal,
        "groups": groups,
        "building_count": len(buildings),
        "household_count": sum(b.n_children for b in buildings),
        "members": members,
        "workers": workers,
        "map_data": map_data,
        "demonstration_count": DemonstrationHousehold.objects.filter(grid_id=grid.pk).count(),
    }


# --- building group page -----------------------------------------------------------------


def building_group_detail(group: AreaNode) -> dict[str, Any]:
    labels = kind_labels(group.district_id)
    buildings = list(
        AreaNode.objects.filter(building_group_id=group.pk, level=Level.BUILDING)
        .annotate(n_children=Count("children"))
        .order_by("code")
    )
    units = list(
        OrgUnit.objects.filter(
            area__building_group_id=group.pk, kind__in=[UnitKind.BUILDING_GROUP_BRANCH, UnitKind.BUILDING_CELL]
        ).select_related("area", "secretary")
    )
    zone_links = list(ZoneArea.objects.filter(area__building_group_id=group.pk).select_related(*_ZONE_RELATED))
    members, by_area = _responsible(zone_links)
    for building in buildings:
        building.responsible = by_area.get(building.pk, [])  # type: ignore[attr-defined]
    return {
        "buildings": buildings,
        "household_count": sum(b.n_children for b in buildings),
        "unit_lines": _unit_lines(units, labels),
        "members": members,
    }


# --- building and household pages --------------------------------------------------------


@dataclass
class HouseholdLine:
    node: AreaNode
    residents: list[HouseholdMember]
    responsible: list[str]
    demonstration: bool

    @property
    def url(self) -> str:
        return reverse("area", args=[self.node.pk])


def households_detail(
    households: QuerySet[AreaNode], building: AreaNode | None, with_residents: bool
) -> dict[str, Any]:
    """Households with their residents (only when `with_residents`), responsible members and
    demonstration marks: four queries (three without residents). The residents' grids come
    along, so `people.actions.visible_fields_for` needs no query to place them in scope."""
    rows = list(households.order_by("code"))
    ids = [h.pk for h in rows]
    residents: dict[int, list[HouseholdMember]] = defaultdict(list)
    if with_residents:
        links = HouseholdMember.objects.filter(household_id__in=ids).select_related("person", "person__grid")
        for link in links.order_by("id"):
            residents[link.household_id].append(link)
    building_ids = {h.building_id for h in rows}
    zone_links = list(
        ZoneArea.objects.filter(Q(area_id__in=ids) | Q(area_id__in=building_ids))
        .select_related(*_ZONE_RELATED)
        .order_by("zone__name")
    )
    members, by_area = _responsible(zone_links)
    demonstration = set(
        DemonstrationHousehold.objects.filter(household_id__in=ids).values_list("household_id", flat=True)
    )
    lines = [
        HouseholdLine(
            h, residents.get(h.pk, []), by_area.get(h.pk) or by_area.get(h.building_id or 0, []), h.pk in demonstration
        )
        for h in rows
    ]
    return {
        "households": lines,
        "members": members,
        "building_responsible": by_area.get(building.pk, []) if building else [],
        "resident_count": sum(len(v) for v in residents.values()),
    }


def building_unit(building: AreaNode) -> tuple[OrgUnit | None, str]:
    """The building's own unit (楼栋党小组) and the district's name for that kind of unit."""
    labels = kind_labels(building.district_id)
    unit = OrgUnit.objects.filter(area_id=building.pk, kind=UnitKind.BUILDING_CELL).select_related("secretary").first()
    return unit, labels[UnitKind.BUILDING_CELL]
