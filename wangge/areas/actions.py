"""Every change to the area tree and to grid boundaries goes through these functions."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from wangge.accounts.audit import record
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role_over
from wangge.areas import locate
from wangge.areas.models import ANCESTOR_LEVELS, AreaNode, GridBoundary, Level, child_level
from wangge.areas.topology import ImportProblem, check_topology
from wangge.lib import memo
from wangge.lib.errors import DomainError
from wangge.lib.geo import area_m2, polygon_from_geojson
from wangge.lib.text import clean_text, has_refused_characters


def _fill_ancestors(node: AreaNode, parent: AreaNode) -> None:
    for level in ANCESTOR_LEVELS:
        setattr(node, f"{level}_id", getattr(parent, f"{level}_id"))


def create_district(acting_user: User | None, *, name: str, code: str) -> AreaNode:
    with transaction.atomic():
        # The district points at itself; foreign keys are checked at commit, so a placeholder
        # id is replaced by the node's own id before anything can see it.
        node = AreaNode.objects.create(level=Level.DISTRICT, name=clean_text(name), code=code, district_id=0)
        node.district_id = node.pk
        AreaNode.objects.filter(pk=node.pk).update(district_id=node.pk)
    return node


def create_area(
    acting_user: User | None,
    *,
    parent: AreaNode,
    name: str,
    code: str,
    lng: float | None = None,
    lat: float | None = None,
    address: str = "",
) -> AreaNode:
    """Add one node under `parent`; its level is the one below the parent's."""
    return bulk_create_areas(
        acting_user, [(parent, {"name": name, "code": code, "lng": lng, "lat": lat, "address": address})]
    )[0]


def bulk_create_areas(
    acting_user: User | None, rows: Sequence[tuple[AreaNode, dict[str, Any]]], *, batch_size: int = 2000
) -> list[AreaNode]:
    """Add many nodes at once (imports, the demo); each row is (saved parent, field values)."""
    nodes = []
    for parent, values in rows:
        level = child_level(parent.level)
        if level is None:
            raise DomainError("area_no_children", _("A household cannot contain other areas."))
        values = {**values, "name": clean_text(str(values.get("name") or ""))}  # a name as shown: see lib.text
        if not values["name"] or not values.get("code"):
            raise DomainError("area_name_required", _("Every area needs a name and a code."))
        node = AreaNode(level=level, parent=parent, **values)
        _fill_ancestors(node, parent)
        nodes.append(node)
    with transaction.atomic():
        AreaNode.objects.bulk_create(nodes, batch_size=batch_size)
        own = [n for n in nodes if n.level in ANCESTOR_LEVELS]
        for node in own:
            setattr(node, f"{node.level}_id", node.pk)
        for level in {n.level for n in own}:
            AreaNode.objects.bulk_update([n for n in own if n.level == level], [level], batch_size=batch_size)
    return nodes


def set_grid_boundaries(
    acting_user: User | None, boundaries: Iterable[tuple[AreaNode, BaseGeometry]], *, at: dt.datetime | None = None
) -> int:
    """Start a new generation of each grid's boundary from `at`, closing the current one."""
    at = at or timezone.now()
    rows = list(boundaries)
    if any(grid.level != Level.GRID for grid, _geometry in rows):
        raise DomainError("not_a_grid", _("Boundaries belong to grids only."))
    with transaction.atomic():
        grid_ids = [grid.pk for grid, _geometry in rows]
        current = {
            b.grid_id: b
            for b in GridBoundary.objects.select_for_update().filter(grid_id__in=grid_ids, valid_to__isnull=True)
        }
        for b in current.values():
            b.valid_to = at
            b.updated_at = timezone.now()
        GridBoundary.objects.bulk_update(list(current.values()), ["valid_to", "updated_at"])
        last_generation: dict[int, int] = {}
        for b in GridBoundary.objects.filter(grid_id__in=grid_ids).order_by("grid_id", "-generation"):
            last_generation.setdefault(b.grid_id, b.generation)
        GridBoundary.objects.bulk_create(
            [
                GridBoundary(
                    district_id=grid.district_id,
                    grid=grid,
                    generation=last_generation.get(grid.pk, 0) + 1,
                    geometry=mapping(geometry),
                    area_m2=round(area_m2(geometry), 1),
                    valid_from=at,
                )
                for grid, geometry in rows
            ]
        )
        memo.forget_all()  # bulk writes send no signal; this process reads the new stamp at once
        transaction.on_commit(_bump_index_version)
    return len(rows)


def _bump_index_version() -> None:
    locate.invalidate()


# --- grid import ---------------------------------------------------------------------------


@dataclass
class GridImportReport:
    features: int = 0
    new: list[str] = field(default_factory=list)
    new_communities: list[str] = field(default_factory=list)  # codes of the communities to create
    community_names: dict[str, str] = field(default_factory=dict)  # their names, by code
    redrawn: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    overlaps: list[ImportProblem] = field(default_factory=list)
    gaps: list[ImportProblem] = field(default_factory=list)
    committed: bool = False

    @property
    def can_commit(self) -> bool:
        return not self.errors and not self.overlaps

    def as_dict(self) -> dict[str, Any]:
        def problems(items: list[ImportProblem]) -> list[dict[str, Any]]:
            return [p.__dict__ for p in items]

        return {
            "features": self.features,
            "new": self.new,
            "new_communities": self.new_communities,
            "community_names": self.community_names,
            "redrawn": self.redrawn,
            "unchanged": self.unchanged,
            "not_in_file": self.not_in_file,
            "errors": problems(self.errors),
            "overlaps": problems(self.overlaps),
            "gaps": problems(self.gaps),
            "committed": self.committed,
        }


def import_grids(
    acting_user: User | None,
    *,
    district: AreaNode,
    data: object,
    commit: bool = False,
    allow_gaps: bool = False,
    at: dt.datetime | None = None,
) -> GridImportReport:
    """Check a GeoJSON FeatureCollection of grids against the district and, with `commit`, apply it.

    Each feature needs properties `code` (the grid's code) and, for a new grid, `community`
    (its community's code) and `name`. A community the district does not have yet is created
    when the feature also names it (`community_name`); the dry run lists it in
    `new_communities`. Nothing is written unless `commit` is set and the file has no errors and
    no overlaps (and no gaps, unless `allow_gaps`); communities and grids are written in one
    transaction. An `acting_user` (the web) must be the district's administrator (404
    otherwise); `None` is the command line.
    """
    if acting_user is not None and not has_role_over(acting_user, district, Role.DISTRICT_ADMIN):
        raise DomainError("district_not_found", _("There is no such district."), status=404)
    report = GridImportReport()
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        report.errors.append(
            ImportProblem("not_a_feature_collection", _("The file is not a GeoJSON FeatureCollection."))
        )
        return report
    features = data["features"]
    report.features = len(features)
    grids = {g.code: g for g in AreaNode.objects.filter(district=district, level=Level.GRID)}
    communities = {c.code: c for c in AreaNode.objects.filter(district=district, level=Level.COMMUNITY)}
    current = {b.grid_id: b for b in GridBoundary.objects.filter(district=district, valid_to__isnull=True)}
    parsed: dict[str, tuple[BaseGeometry, dict[str, Any]]] = {}
    new_communities: dict[str, str] = {}  # code → name of the communities the file creates
    for position, feature in enumerate(features, start=1):
        label = _("feature %(number)d") % {"number": position}
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            report.errors.append(ImportProblem("not_a_feature", _("This item is not a GeoJSON Feature."), label))
            continue
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        code = str(props.get("code") or "").strip()
        if not code:
            report.errors.append(
                ImportProblem("grid_code_missing", _("The feature has no grid code (property “code”)."), label)
            )
            continue
        if has_refused_characters(code) or has_refused_characters(str(props.get("community") or "")):
            report.errors.append(
                ImportProblem(
                    "invalid_characters", _("A code holds control characters (such as NUL): fix the file."), label
                )
            )
            continue
        label = code
        if code in parsed:
            report.errors.append(ImportProblem("grid_code_repeated", _("The grid code appears more than once."), label))
            continue
        try:
            geometry = polygon_from_geojson(feature.get("geometry"))
        except DomainError as error:
            report.errors.append(ImportProblem(error.code, error.message, label))
            continue
        if code not in grids:
            community_code = str(props.get("community") or "").strip()
            community_name = clean_text(str(props.get("community_name") or ""))
            if community_code not in communities and not (community_code and community_name):
                report.errors.append(
                    ImportProblem(
                        "unknown_community",
                        _(
                            "A new grid needs the code of an existing community (property “community”), or "
                            "the code and name of a community to create (properties “community” and "
                            "“community_name”)."
                        ),
                        label,
                    )
                )
                continue
            if community_code not in communities:
                known_name = new_communities.setdefault(community_code, community_name)
                if known_name != community_name:
                    report.errors.append(
                        ImportProblem(
                            "community_name_conflict",
                            _("The same new community code is given two different names in the file."),
                            label,
                        )
                    )
                    continue
            if not clean_text(str(props.get("name") or "")):
                report.errors.append(
                    ImportProblem("grid_name_missing", _("A new grid needs a name (property “name”)."), label)
                )
                continue
            report.new.append(code)
        else:
            old = current.get(grids[code].pk)
            if old is not None and polygon_from_geojson(old.geometry).equals_exact(geometry, 1e-9):
                report.unchanged.append(code)
            else:
                report.redrawn.append(code)
        parsed[code] = (geometry, props)
    # A new grid's code must not be taken by another kind of node (codes are unique in a district).
    taken = set(AreaNode.objects.filter(district=district, code__in=report.new).values_list("code", flat=True))
    for code in sorted(taken):
        report.errors.append(
            ImportProblem("grid_code_taken", _("This code already belongs to another area of the district."), code)
        )
        report.new.remove(code)
        del parsed[code]
    # Likewise a new community's code (it is not a community, or it would be known), and a code
    # the file uses for both a grid and a community.
    wanted = {
        c for c in new_communities if any(str(p.get("community") or "").strip() == c for _g, p in parsed.values())
    }
    taken = set(AreaNode.objects.filter(district=district, code__in=wanted).values_list("code", flat=True))
    taken |= wanted & set(parsed)
    for code in sorted(taken):
        report.errors.append(
            ImportProblem(
                "community_code_taken", _("This community code already belongs to another area of the district."), code
            )
        )
    report.new_communities = sorted(wanted - taken)
    report.community_names = {code: new_communities[code] for code in report.new_communities}
    report.not_in_file = sorted(code for code, grid in grids.items() if code not in parsed and grid.pk in current)

    # Topology of the district as it would be after the import.
    layout: dict[str, BaseGeometry] = {
        code: polygon_from_geojson(current[grid.pk].geometry) for code, grid in grids.items() if grid.pk in current
    }
    layout.update({code: geometry for code, (geometry, _props) in parsed.items()})
    report.overlaps, report.gaps = check_topology(layout)

    if commit and report.can_commit and (allow_gaps or not report.gaps):
        at = at or timezone.now()
        with transaction.atomic():
            created = bulk_create_areas(
                acting_user,
                [(district, {"name": new_communities[code], "code": code}) for code in report.new_communities],
            )
            communities.update({node.code: node for node in created})
            rows = [
                (
                    communities[str(parsed[code][1]["community"]).strip()],
                    {"name": str(parsed[code][1]["name"]).strip(), "code": code},
                )
                for code in report.new
            ]
            for node in bulk_create_areas(acting_user, rows):
                grids[node.code] = node
            changed = report.new + report.redrawn
            set_grid_boundaries(acting_user, [(grids[code], parsed[code][0]) for code in changed], at=at)
            record(
                acting_user,
                AuditAction.GRIDS_IMPORTED,
                district_id=district.pk,
                obj=district,
                detail={
                    "new": len(report.new),
                    "redrawn": len(report.redrawn),
                    "new_communities": len(report.new_communities),
                },
            )
        report.committed = True
    return report
