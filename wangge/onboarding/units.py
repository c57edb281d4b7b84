"""Organisation units and resident units from their ledgers (docs/import.md, "Onboarding a
district").

Organisation units (`import_org_units`): 名称, 类型, 区域 (a community or grid by name, an area's
code, or a path 社区/网格/楼群/楼栋), and for horizontal units 行业 / 主管单位, 成立日期, 撤销日期.
The four vertical levels — 社区党委 on a community, 网格党总支 on a grid, 楼群党支部 on a building
group, 楼栋党小组 on a building — are laid on their area (one per area; its parent is the unit of
the parent area); horizontal units (商户联合党支部, 行业党支部, 临时党支部) attach to any area
above a household. A vertical unit the area has already is unchanged (under another name: a
warning, it is not renamed); a horizontal unit of the same kind and name on the same area is
unchanged.

Resident units (`import_resident_units`): 单位名称, 区域, 单位类型, 地址; one of the same name on the
same area is unchanged.

All or none, as every onboarding import: any problem and nothing is written.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.ledgers.cleaning import parse_date
from wangge.lib.errors import Invalid
from wangge.lib.matching import norm
from wangge.lib.text import clean_text
from wangge.onboarding.common import check_may_onboard, limited, needed, read_into, record_import
from wangge.onboarding.errors import OnboardingError, OnboardingWarning
from wangge.onboarding.files import Column
from wangge.onboarding.places import DistrictPlaces, Place
from wangge.onboarding.report import OnboardingReport
from wangge.orgs.actions import create_horizontal_unit, create_resident_unit, lay_vertical_units
from wangge.orgs.models import HORIZONTAL_KINDS, VERTICAL_KIND_FOR_LEVEL, OrgUnit, ResidentUnit, UnitKind

AREA_HEADERS = ("区域", "所在区域", "所属区域", "所在地", "所属社区/网格", "社区/网格")
ORG_COLUMNS = {
    c.name: c
    for c in (
        Column("name", gettext_lazy("name"), ("名称", "组织名称", "党组织名称", "单位名称")),
        Column("kind", gettext_lazy("kind"), ("类型", "层级", "组织类型", "组织层级", "类别")),
        Column("area", gettext_lazy("area"), AREA_HEADERS),
        Column("sector", gettext_lazy("sector or host organisation"), ("行业", "主管单位", "所属行业", "依托单位")),
        Column("opens_on", gettext_lazy("opens on"), ("成立日期", "开始日期", "成立时间")),
        Column("closes_on", gettext_lazy("closes on"), ("撤销日期", "结束日期", "撤销时间")),
    )
}
RESIDENT_COLUMNS = {
    c.name: c
    for c in (
        Column("name", gettext_lazy("name"), ("单位名称", "名称", "驻区单位", "驻区单位名称")),
        Column("area", gettext_lazy("area"), (*AREA_HEADERS, "所属社区", "所属网格")),
        Column("kind", gettext_lazy("kind"), ("单位类型", "类型", "单位性质", "性质")),
        Column("address", gettext_lazy("address"), ("地址", "单位地址", "详细地址")),
    )
}
LEVEL_OF_KIND = {kind: level for level, kind in VERTICAL_KIND_FOR_LEVEL.items()}
KIND_WORDS = {
    **dict.fromkeys(["社区党委", "社区党组织", "社区党总支", "社区居委会", "社区"], UnitKind.COMMUNITY_COMMITTEE),
    **dict.fromkeys(["网格党总支", "网格党支部", "网格"], UnitKind.GRID_BRANCH),
    **dict.fromkeys(["楼群党支部", "片区党支部", "楼群"], UnitKind.BUILDING_GROUP_BRANCH),
    **dict.fromkeys(["楼栋党小组", "党小组", "楼栋"], UnitKind.BUILDING_CELL),
    **dict.fromkeys(["商户联合党支部", "商户党支部", "商户"], UnitKind.MERCHANTS_BRANCH),
    **dict.fromkeys(["行业党支部", "行业"], UnitKind.SECTOR_BRANCH),
    **dict.fromkeys(["临时党支部", "临时"], UnitKind.TEMPORARY_BRANCH),
}


def _kind_words() -> dict[str, str]:
    words: dict[str, str] = {norm(k): v for k, v in KIND_WORDS.items()}
    for kind in UnitKind:
        words[norm(kind.value)] = kind
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words[norm(str(kind.label))] = kind
    return words


def _date(cells: dict[str, str], name: str) -> dt.date | None:
    if not cells.get(name):
        return None
    try:
        return parse_date(cells[name], name)
    except Invalid:
        raise Invalid(
            OnboardingError.DATE_FORMAT,
            _("The column “%(column)s” does not hold a date (e.g. 2026-01-05).")
            % {"column": ORG_COLUMNS[name].headers[0]},
        ) from None


@dataclass
class OrgRow:
    number: int
    name: str
    kind: str
    area: Place | None
    sector: str
    opens_on: dt.date | None
    closes_on: dt.date | None


def _parse_org(cells: dict[str, str], places: DistrictPlaces, words: dict[str, str]) -> OrgRow:
    name = clean_text(needed(cells, "name", ORG_COLUMNS["name"]))
    kind_text = needed(cells, "kind", ORG_COLUMNS["kind"])
    kind = words.get(norm(kind_text))
    if kind is None:
        raise Invalid(
            OnboardingError.UNKNOWN_UNIT_KIND,
            _(
                "“%(value)s” is not a kind of organisation unit; "
                "use e.g. 社区党委, 网格党总支, 楼群党支部, 楼栋党小组 or 行业党支部."
            )
            % {"value": kind_text},
        )
    area = places.area(needed(cells, "area", ORG_COLUMNS["area"]))
    level = area.level if area is not None else Level.DISTRICT
    if kind in LEVEL_OF_KIND and level != LEVEL_OF_KIND[kind]:
        raise Invalid(
            OnboardingError.AREA_LEVEL,
            _("A %(kind)s is laid on a %(level)s, and “%(area)s” is not one.")
            % {"kind": UnitKind(kind).label, "level": Level(LEVEL_OF_KIND[kind]).label, "area": cells["area"]},
        )
    if kind in HORIZONTAL_KINDS and level == Level.HOUSEHOLD:
        raise Invalid(OnboardingError.AREA_LEVEL, _("A unit cannot be attached to a household."))
    opens_on, closes_on = _date(cells, "opens_on"), _date(cells, "closes_on")
    if kind == UnitKind.TEMPORARY_BRANCH and opens_on is None:
        raise Invalid(OnboardingError.TEMPORARY_NEEDS_DATES, _("A temporary branch needs the date its project opens."))
    if opens_on and closes_on and closes_on < opens_on:
        raise Invalid(OnboardingError.CLOSES_BEFORE_OPENING, _("A unit cannot close before it opens."))
    sector = limited(clean_text(cells.get("sector", "")), ORG_COLUMNS["sector"])
    return OrgRow(0, name, kind, area, sector, opens_on, closes_on)


def import_org_units(
    acting_user: User | None, *, district: AreaNode, path: str | Path, commit: bool = False
) -> OnboardingReport:
    """Check the organisation units' ledger and, with `commit` and no problem, lay the vertical
    units and create the horizontal ones (all or none)."""
    check_may_onboard(acting_user, district)
    report = OnboardingReport("org_units")
    sheet = read_into(report, path, list(ORG_COLUMNS.values()), (("name",), ("kind",), ("area",)))
    if sheet is None:
        return report
    places = DistrictPlaces(district, down_to=Level.BUILDING)
    words = _kind_words()
    vertical = dict(
        OrgUnit.objects.filter(district=district, kind__in=list(LEVEL_OF_KIND)).values_list("area_id", "name")
    )
    horizontal = {
        (area_id, kind, norm(name))
        for area_id, kind, name in OrgUnit.objects.filter(district=district, kind__in=HORIZONTAL_KINDS).values_list(
            "area_id", "kind", "name"
        )
    }
    first_row_of: dict[tuple[int, str, str], int] = {}
    new_vertical: list[OrgRow] = []
    new_horizontal: list[OrgRow] = []
    for number, cells in sheet.rows:
        try:
            row = _parse_org(cells, places, words)
        except Invalid as problem:
            report.problem(number, problem.code, problem.message)
            continue
        row.number = number
        area_id = row.area.pk if row.area is not None else district.pk
        key = (area_id, row.kind, "" if row.kind in LEVEL_OF_KIND else norm(row.name))
        if key in first_row_of:
            report.problem(
                number, OnboardingError.DUPLICATE_UNIT, _("The same unit as row %(row)d.") % {"row": first_row_of[key]}
            )
            continue
        first_row_of[key] = number
        if row.kind in LEVEL_OF_KIND:
            if area_id not in vertical:
                new_vertical.append(row)
            elif norm(vertical[area_id]) == norm(row.name):
                report.unchanged += 1
            else:
                report.warn(
                    number,
                    OnboardingWarning.UNIT_NAME_DIFFERS,
                    _("%(area)s has its unit already, called “%(name)s”; it is not renamed.")
                    % {"area": places.label(row.area) if row.area else district.name, "name": vertical[area_id]},
                )
        elif key in horizontal:
            report.unchanged += 1
        else:
            new_horizontal.append(row)
    report.count("org_units", len(new_vertical) + len(new_horizontal))
    if commit and report.ok:
        rows = new_vertical + new_horizontal
        areas = AreaNode.objects.in_bulk({row.area.pk if row.area else district.pk for row in rows})
        with transaction.atomic():
            lay_vertical_units(acting_user, [(areas[row.area.pk], row.name) for row in new_vertical if row.area])
            for row in new_horizontal:
                create_horizontal_unit(
                    acting_user,
                    area=areas[row.area.pk if row.area else district.pk],
                    kind=row.kind,
                    name=row.name,
                    sector=row.sector,
                    opens_on=row.opens_on,
                    closes_on=row.closes_on,
                )
            report.committed = True
            record_import(acting_user, district, report)
    return report


def import_resident_units(
    acting_user: User | None, *, district: AreaNode, path: str | Path, commit: bool = False
) -> OnboardingReport:
    """Check the resident units' ledger and, with `commit` and no problem, create them (all or none)."""
    check_may_onboard(acting_user, district)
    report = OnboardingReport("resident_units")
    sheet = read_into(report, path, list(RESIDENT_COLUMNS.values()), (("name",), ("area",)))
    if sheet is None:
        return report
    places = DistrictPlaces(district, down_to=Level.BUILDING)
    existing = {
        (area_id, norm(name))
        for area_id, name in ResidentUnit.objects.filter(district=district).values_list("area_id", "name")
    }
    first_row_of: dict[tuple[int, str], int] = {}
    new: list[tuple[Place | None, str, str, str]] = []
    for number, cells in sheet.rows:
        try:
            name = clean_text(needed(cells, "name", RESIDENT_COLUMNS["name"]))
            area = places.area(needed(cells, "area", RESIDENT_COLUMNS["area"]))
            kind = limited(clean_text(cells.get("kind", "")), RESIDENT_COLUMNS["kind"], 100)
            address = limited(clean_text(cells.get("address", "")), RESIDENT_COLUMNS["address"], 300)
        except Invalid as problem:
            report.problem(number, problem.code, problem.message)
            continue
        key = (area.pk if area is not None else district.pk, norm(name))
        if key in first_row_of:
            report.problem(
                number, OnboardingError.DUPLICATE_UNIT, _("The same unit as row %(row)d.") % {"row": first_row_of[key]}
            )
            continue
        first_row_of[key] = number
        if key in existing:
            report.unchanged += 1
        else:
            new.append((area, name, kind, address))
    report.count("resident_units", len(new))
    if commit and report.ok:
        areas = AreaNode.objects.in_bulk({area.pk if area else district.pk for area, *_rest in new})
        with transaction.atomic():
            for area, name, kind, address in new:
                create_resident_unit(
                    acting_user, area=areas[area.pk if area else district.pk], name=name, kind=kind, address=address
                )
            report.committed = True
            record_import(acting_user, district, report)
    return report
