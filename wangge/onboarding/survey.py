"""A survey round's sheet (摸排结果), read with the ledgers' reader and applied with the
assistance actions (docs/assistance.md, "Importing a survey round's sheet").

Each row names a household of the round — by 户编码, or by 社区 / 网格 / 楼栋 / 单元 / 房号 as the
registry and the address book write it (`ledgers.areas.AreaResolver`) — and what the survey
found: 困难原因 (causes, separated by 、 , ; or spaces), 需求 with its 优先级 (最急, 最盼, 最难,
一般) and 需求说明, 家庭情况, and 摸排日期 (today when empty). A household may take several rows
(one need each); its causes, needs and situation are merged.

A household with a cause, a need or a situation gets its dossier opened (source survey) or
added to through `assistance.actions.open_dossier` (which encrypts what it keeps); every
household of the sheet is marked seen in the round. What the household's dossier holds already
(an open need of the same kind, priority and note, a cause, the situation, the source) is not
added again, so a second commit of the same file changes nothing. All or none: any problem and
nothing is written. The commit writes one audit row with the counts.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.assistance.actions import NeedData, dossier_text, mark_surveyed, need_text, not_found, open_dossier
from wangge.assistance.errors import AssistanceError
from wangge.assistance.models import (
    OPEN_NEED_STATES,
    Cause,
    Dossier,
    Need,
    NeedKind,
    Priority,
    SheetState,
    Source,
    SurveyHousehold,
    SurveyRound,
    SurveySheetImport,
)
from wangge.assistance.queries import can_keep
from wangge.ledgers.areas import AreaResolver
from wangge.ledgers.cleaning import parse_date
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.files import media_path
from wangge.lib.errors import DomainError, Invalid
from wangge.lib.matching import norm
from wangge.onboarding.common import limited, read_into, record_import
from wangge.onboarding.errors import OnboardingError
from wangge.onboarding.files import Column
from wangge.onboarding.report import OnboardingReport

SURVEY_COLUMNS = {
    c.name: c
    for c in (
        Column("code", gettext_lazy("household code"), ("户编码", "户代码", "住户编码")),
        Column("community", gettext_lazy("community"), ("社区", "所属社区")),
        Column("grid", gettext_lazy("grid"), ("网格", "所属网格")),
        Column("building", gettext_lazy("building"), ("楼栋", "楼号", "楼栋地址")),
        Column("unit", gettext_lazy("unit"), ("单元",)),
        Column("room", gettext_lazy("room"), ("房号", "门牌号", "室号")),
        Column("seen_on", gettext_lazy("day seen"), ("摸排日期", "走访日期")),
        Column("causes", gettext_lazy("causes"), ("困难原因", "致困原因")),
        Column("kind", gettext_lazy("need"), ("需求", "需求类别", "需求类型")),
        Column("priority", gettext_lazy("priority"), ("优先级", "紧急程度", "需求分类")),
        Column("note", gettext_lazy("need note"), ("需求说明", "需求描述")),
        Column("situation", gettext_lazy("family situation"), ("家庭情况", "困难情况", "情况说明")),
    )
}
REQUIRED = (("code", "building"),)
PRIORITY_WORDS = {
    "最急": Priority.MOST_URGENT,
    "最盼": Priority.MOST_HOPED,
    "最难": Priority.HARDEST,
    "一般": Priority.ORDINARY,
    "普通": Priority.ORDINARY,
}
CAUSE_WORDS = {
    "疾病": Cause.ILLNESS,
    "因病": Cause.ILLNESS,
    "残疾": Cause.DISABILITY,
    "因残": Cause.DISABILITY,
    "因学": Cause.SCHOOLING_COSTS,
    "缺劳力": Cause.LACK_OF_LABOUR,
    "缺劳动力": Cause.LACK_OF_LABOUR,
    "灾害": Cause.DISASTER,
    "因灾": Cause.DISASTER,
    "失业": Cause.UNEMPLOYMENT,
    "独居": Cause.ELDERLY_ALONE,
    "独居老人": Cause.ELDERLY_ALONE,
    "其他": Cause.OTHER,
}
NEED_WORDS = {
    "资金": NeedKind.MONEY,
    "钱款": NeedKind.MONEY,
    "物资": NeedKind.GOODS,
    "照料": NeedKind.CARE,
    "就业": NeedKind.JOBS,
    "医疗": NeedKind.MEDICAL,
    "就学": NeedKind.SCHOOLING,
    "住房": NeedKind.HOUSING,
    "法律": NeedKind.LEGAL,
    "心理": NeedKind.EMOTIONAL,
    "其他": NeedKind.OTHER,
}
SEPARATORS = re.compile(r"[、，,;；/\s]+")


def _words(choices: Iterable[tuple[str, object]], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The value of each choice by its value, its Chinese label and its English label."""
    words = {norm(k): v for k, v in (extra or {}).items()}
    for value, label in choices:
        words[norm(value)] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words[norm(str(label))] = value
    return words


def _choice(text: str, words: dict[str, str], column: str) -> str:
    found = words.get(norm(text))
    if found is None:
        raise Invalid(
            AssistanceError.UNKNOWN_CHOICE,
            _("“%(value)s” in the column “%(column)s” is not one of the documented choices.")
            % {"value": text, "column": SURVEY_COLUMNS[column].headers[0]},
        )
    return found


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return parse_date(text, "seen_on")
    except Invalid:
        raise Invalid(
            OnboardingError.DATE_FORMAT,
            _("The column “%(column)s” does not hold a date (e.g. 2026-01-05).") % {"column": "摸排日期"},
        ) from None


@dataclass
class Found:
    """What the sheet says about one household, merged over its rows."""

    row: int
    household: AreaNode
    seen_on: dt.date
    causes: list[str] = field(default_factory=list)
    needs: list[NeedData] = field(default_factory=list)
    situation: list[str] = field(default_factory=list)

    @property
    def in_difficulty(self) -> bool:
        return bool(self.causes or self.needs or self.situation)


def _household_of(cells: dict[str, str], resolver: AreaResolver, by_code: dict[str, AreaNode]) -> int | AreaNode:
    if cells.get("code"):
        found = by_code.get(cells["code"])
        if found is None:
            raise Invalid(
                LedgerError.UNKNOWN_HOUSEHOLD,
                _("There is no household with the code “%(code)s” in the district.") % {"code": cells["code"]},
            )
        return found
    if not cells.get("room"):
        raise Invalid(OnboardingError.VALUE_MISSING, _("The column “房号” is empty."))
    try:
        return resolver.household(
            community=cells.get("community", ""),
            grid=cells.get("grid", ""),
            building=cells["building"],
            unit=cells.get("unit", ""),
            room=cells["room"],
        )
    except DomainError as error:
        raise Invalid(error.code, error.message) from None


def import_survey(
    acting_user: User, *, survey: SurveyRound, path: str | Path, commit: bool = False
) -> OnboardingReport:
    """Dry run (or, with `commit`, apply) a survey round's sheet; all or none."""
    area = AreaNode.objects.get(pk=survey.area_id)
    if not can_keep(acting_user, area):
        raise not_found()
    report = OnboardingReport(kind="survey")
    sheet = read_into(report, path, list(SURVEY_COLUMNS.values()), REQUIRED)
    if sheet is None:
        return report
    district = AreaNode.objects.get(pk=survey.district_id)
    resolver = AreaResolver(district)
    codes = {cells["code"] for _n, cells in sheet.rows if cells.get("code")}
    by_code = {h.code: h for h in AreaNode.objects.filter(district=district, level=Level.HOUSEHOLD, code__in=codes)}
    causes, kinds = _words(Cause.choices, CAUSE_WORDS), _words(NeedKind.choices, NEED_WORDS)
    priorities = _words(Priority.choices, PRIORITY_WORDS)
    today = timezone.localdate()
    parsed: list[tuple[int, int | AreaNode, dict[str, str]]] = []
    for number, cells in sheet.rows:
        try:
            parsed.append((number, _household_of(cells, resolver, by_code), cells))
        except Invalid as error:
            report.problem(number, error.code, error.message)
    ids = {h if isinstance(h, int) else h.pk for _n, h, _c in parsed}
    listed = {
        row.household_id: row
        for row in SurveyHousehold.objects.filter(round=survey, household_id__in=ids).select_related("household")
    }
    found: dict[int, Found] = {}
    for number, household, cells in parsed:
        household_id = household if isinstance(household, int) else household.pk
        try:
            entry = listed.get(household_id)
            if entry is None:
                raise Invalid(
                    OnboardingError.HOUSEHOLD_NOT_IN_ROUND,
                    _("The household is not on the list of this survey round."),
                )
            seen_on = _date(cells.get("seen_on", "")) or today
            item = found.setdefault(household_id, Found(number, entry.household, seen_on))
            for word in SEPARATORS.split(cells.get("causes", "")):
                if word and (cause := _choice(word, causes, "causes")) not in item.causes:
                    item.causes.append(cause)
            if cells.get("kind"):
                kind = _choice(cells["kind"], kinds, "kind")
                priority = _choice(cells["priority"], priorities, "priority") if cells.get("priority") else "ordinary"
                note = limited(cells.get("note", ""), SURVEY_COLUMNS["note"], 4000)
                item.needs.append(NeedData(kind=kind, priority=priority, note=note))
            elif cells.get("priority") or cells.get("note"):
                raise Invalid(OnboardingError.VALUE_MISSING, _("A priority or need note without the need."))
            situation = limited(cells.get("situation", ""), SURVEY_COLUMNS["situation"], 4000)
            if situation and situation not in item.situation:
                item.situation.append(situation)
        except Invalid as error:
            report.problem(number, error.code, error.message)
    if report.problems:
        return report
    dossiers = {d.household_id: d for d in Dossier.objects.filter(household_id__in=found)}
    open_needs: dict[int, set[tuple[str, str, str]]] = {}
    for need in Need.objects.filter(dossier__household_id__in=found, state__in=OPEN_NEED_STATES):
        text = need_text(need)
        open_needs.setdefault(need.dossier_id, set()).add((text["kind"], need.priority, text["note"]))
    plans: list[tuple[Found, list[NeedData], bool]] = []
    for item in found.values():
        dossier = dossiers.get(item.household.pk)
        new_needs, touch = item.needs, item.in_difficulty
        if dossier is not None and touch:
            held = dossier_text(dossier)
            have = open_needs.get(dossier.pk, set())
            new_needs = [n for n in item.needs if (n.kind, n.priority, n.note) not in have]
            touch = bool(
                new_needs
                or set(item.causes) - set(held["causes"])
                or ("\n".join(item.situation) and "\n".join(item.situation) != held["situation"])
                or Source.SURVEY not in dossier.sources
            )
        entry = listed[item.household.pk]
        seen = entry.seen_on == item.seen_on and (entry.dossier_id is not None or not item.in_difficulty)
        if not touch and seen:
            report.unchanged += 1
            continue
        if touch:
            report.count("dossiers_updated" if dossier is not None else "dossiers_opened")
            report.count("needs", len(new_needs))
        if not seen:
            report.count("households_seen")
        plans.append((item, new_needs, touch))
    if not commit:
        return report
    with transaction.atomic():
        for item, new_needs, touch in plans:
            if touch:
                open_dossier(
                    acting_user,
                    household=item.household,
                    situation="\n".join(item.situation),
                    causes=item.causes,
                    needs=new_needs,
                    source=Source.SURVEY,
                )
            mark_surveyed(acting_user, survey, item.household, item.seen_on)
        report.committed = True
        record_import(acting_user, district, report)
    return report


# --- the commit in the background ---------------------------------------------------------------


def queue_commit(acting_user: User, *, survey: SurveyRound, stored_file: str, file_name: str) -> SurveySheetImport:
    """Commit a checked sheet in the background (`wangge worker`): the import is recorded, queued,
    and takes over the stored file (deleted once it has run). A sheet of thousands of rows takes
    longer than a request should (docs/assistance.md, "Importing a survey round's sheet")."""
    area = AreaNode.objects.get(pk=survey.area_id)
    if not can_keep(acting_user, area):
        raise not_found()
    with transaction.atomic():
        sheet = SurveySheetImport.objects.create(
            round=survey,
            district_id=survey.district_id,
            file_name=file_name[:255],
            stored_file=stored_file,
            created_by=acting_user,
        )
        transaction.on_commit(lambda: commit_survey_sheet.enqueue(sheet.pk))
    return sheet


@task()
def commit_survey_sheet(sheet_id: int) -> str:
    """Run a queued survey sheet's commit (`run_commit`)."""
    return run_commit(sheet_id)


def run_commit(sheet_id: int) -> str:
    """The body of the task: claim the queued import (a second delivery finds it claimed), commit
    the sheet as its uploader (all or none), record the counts or the problems by row and code,
    delete the file. Answers the import's final state."""
    claimed = SurveySheetImport.objects.filter(pk=sheet_id, state=SheetState.QUEUED).update(
        state=SheetState.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    sheet = SurveySheetImport.objects.select_related("round", "created_by").get(pk=sheet_id)
    if not claimed:
        return str(sheet.state)
    path = media_path(sheet.stored_file)
    try:
        if sheet.created_by is None:
            raise not_found()
        report = import_survey(sheet.created_by, survey=sheet.round, path=path, commit=True)
    except DomainError as error:
        sheet.state, sheet.problems = SheetState.FAILED, [[None, error.code]]
    else:
        sheet.state = SheetState.SUCCEEDED if report.committed else SheetState.FAILED
        sheet.counts = dict(report.created) | {"unchanged": report.unchanged}
        sheet.problems = [[p.row, p.code] for p in report.problems]
    finally:
        path.unlink(missing_ok=True)
    sheet.stored_file, sheet.finished_at = "", timezone.now()
    sheet.save()
    return str(sheet.state)
