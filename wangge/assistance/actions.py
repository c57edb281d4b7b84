"""Every change to the assistance database: opening a dossier, changing it (situation, causes,
state) or re-assessing it, adding and changing needs, pairing a helper and ending a pair,
recording a help (once per uuid), survey rounds and pairing campaigns, and reading a dossier
(audited). A flagged household visit opens a dossier or adds to one (`take_up_visit`).

Who may: the roles that keep the database over the household (`queries.KEEPING_ROLES`); a paired
member records helps on their own pair. A dossier or area outside what the user reads is not
found (404); one they read but may not keep is 403.

Each change writes the dossier's history (`DossierEvent`: who, when, why, the values encrypted)
and an audit row (`dossier_changed`, naming what changed but no sensitive value); each reading
of a dossier writes `dossier_viewed`.
"""

import datetime as dt
import json
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditAction, Role, RoleAssignment, User
from wangge.api.errors import ApiError
from wangge.areas.models import AreaNode, Level
from wangge.assistance import queries
from wangge.assistance.errors import AssistanceError
from wangge.assistance.models import (
    MAX_TEXT,
    OPEN_NEED_STATES,
    REASSESS_DAYS,
    REASSESS_DAYS_MOST_URGENT,
    Cause,
    Dossier,
    DossierEvent,
    DossierState,
    EventKind,
    Help,
    HelperKind,
    HelperSkill,
    Need,
    NeedKind,
    NeedState,
    Pair,
    PairingCampaign,
    Priority,
    Source,
    SurveyHousehold,
    SurveyRound,
)
from wangge.fieldwork.models import Visit
from wangge.fieldwork.queries import can_read as can_read_fieldwork
from wangge.lib.crypto import bound_to, decrypt_field, encrypt
from wangge.lib.errors import DomainError
from wangge.lib.rowids import assign_id
from wangge.orgs.models import ResidentUnit
from wangge.people.models import HouseholdMember, MemberProfile, Person
from wangge.resources.models import SocialOrg


@dataclass(frozen=True)
class NeedData:
    kind: str
    priority: str = Priority.ORDINARY
    note: str = ""


# --- checks -------------------------------------------------------------------------------------


def not_found() -> DomainError:
    return DomainError(ApiError.NOT_FOUND, _("Not found, or outside your scope."), status=404)


def _check_keeper(user: User, node: AreaNode) -> None:
    if not queries.can_keep(user, node):
        if can_read_fieldwork(user, node):
            raise DomainError(
                AssistanceError.ASSISTANCE_FORBIDDEN,
                _("Only the grid team, community staff and district administrators keep households in difficulty."),
            )
        raise not_found()


def _text(value: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise DomainError(
            AssistanceError.DOSSIER_TEXT_TOO_LONG,
            _("A text is too long: at most %(max)d characters.") % {"max": MAX_TEXT},
        )
    return value


def _reason(value: str) -> str:
    value = _text(value)
    if not value:
        raise DomainError(AssistanceError.ASSISTANCE_REASON_REQUIRED, _("Say why."))
    return value


def _choice(value: str, allowed: Any) -> str:
    if value not in allowed.values:
        raise DomainError(AssistanceError.UNKNOWN_CHOICE, _("Unknown value: %(value)s.") % {"value": value})
    return str(value)


def _choices(values: Iterable[str], allowed: Any) -> list[str]:
    return [_choice(v, allowed) for v in dict.fromkeys(values)]


def _with_id[M: Model](row: M) -> M:
    """The new row with its primary key reserved, so its values can be bound to it."""
    assign_id(row)
    return row


def _seal(row: Model, field: str, text: str) -> bytes | None:
    return encrypt(text, bound_to(row, field)) if text else None


def _reassess_days(has_most_urgent: bool) -> int:
    return REASSESS_DAYS_MOST_URGENT if has_most_urgent else REASSESS_DAYS


def _event(
    dossier: Dossier,
    user: User | None,
    kind: str,
    fields: Sequence[str] = (),
    /,
    *,
    visit: Visit | None = None,
    **detail: Any,
) -> DossierEvent:
    """A line of the dossier's history and its audit row (without the values)."""
    actor = user if user is not None and user.pk else None
    event = _with_id(DossierEvent(dossier=dossier, kind=kind, actor=actor, visit=visit))
    kept = {k: v for k, v in detail.items() if v not in (None, "", [], {})}
    event.fields = list(fields)
    event.detail_encrypted = _seal(event, "detail_encrypted", json.dumps(kept, ensure_ascii=False)) if kept else None
    event.save(force_insert=True)
    audit.record(
        user,
        AuditAction.DOSSIER_CHANGED,
        obj=dossier,
        district_id=dossier.district_id,
        detail={"kind": kind, "fields": list(fields)},
    )
    return event


def event_detail(event: DossierEvent) -> dict[str, Any]:
    """The reason and values of a line of history, in clear."""
    text = decrypt_field(event, "detail_encrypted")
    return dict(json.loads(text)) if text else {}


def _locked(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().select_related("household").get(pk=dossier.pk)


# --- reading ------------------------------------------------------------------------------------


def dossier_text(dossier: Dossier) -> dict[str, Any]:
    """The family situation and causes in clear (no audit: callers audit the reading)."""
    causes = decrypt_field(dossier, "causes_encrypted")
    return {"situation": decrypt_field(dossier, "situation_encrypted"), "causes": json.loads(causes) if causes else []}


def need_text(need: Need) -> dict[str, str]:
    return {
        "kind": decrypt_field(need, "kind_encrypted"),
        "note": decrypt_field(need, "note_encrypted"),
        "reason": decrypt_field(need, "reason_encrypted"),
    }


def help_text(help_: Help) -> str:
    return decrypt_field(help_, "what_encrypted")


def view_dossier(
    acting_user: User, dossier: Dossier, ip_address: str | None = None, *, as_helper: bool = False
) -> None:
    """Record that the user read the dossier (whole, or as its paired helper)."""
    audit.record(
        acting_user,
        AuditAction.DOSSIER_VIEWED,
        obj=dossier,
        district_id=dossier.district_id,
        ip_address=ip_address,
        detail={"as_helper": True} if as_helper else {},
    )


# --- dossiers -----------------------------------------------------------------------------------


def _new_needs(dossier: Dossier, needs: Sequence[NeedData], source: str, now: dt.datetime) -> list[Need]:
    rows = []
    for data in needs:
        need = _with_id(
            Need(
                dossier=dossier,
                priority=_choice(data.priority, Priority),
                source=source,
                opened_at=now,
            )
        )
        need.kind_encrypted = _seal(need, "kind_encrypted", _choice(data.kind, NeedKind))
        need.note_encrypted = _seal(need, "note_encrypted", _text(data.note))
        need.save(force_insert=True)
        rows.append(need)
    return rows


def open_dossier(
    acting_user: User,
    *,
    household: AreaNode,
    situation: str = "",
    causes: Iterable[str] = (),
    needs: Sequence[NeedData] = (),
    source: str = Source.SELF_REPORT,
) -> Dossier:
    """The household's dossier, opened now in state new (a household has one dossier: opening it
    again adds the needs and the source to the one it has, and reopens it if it was closed)."""
    if household.level != Level.HOUSEHOLD:
        raise DomainError(AssistanceError.DOSSIER_NOT_A_HOUSEHOLD, _("Choose a household."))
    _check_keeper(acting_user, household)
    source = _choice(source, Source)
    situation, causes = _text(situation), _choices(causes, Cause)
    with transaction.atomic():
        existing = Dossier.objects.select_for_update().filter(household=household).first()
        if existing is not None:
            return _add_to(acting_user, existing, situation, causes, needs, source)
        now = timezone.now()
        today = timezone.localdate()
        assert household.community_id is not None and household.grid_id is not None
        most_urgent = any(n.priority == Priority.MOST_URGENT for n in needs)
        dossier = _with_id(
            Dossier(
                district_id=household.district_id,
                community_id=household.community_id,
                grid_id=household.grid_id,
                household=household,
                sources=[source],
                opened_on=today,
                reassess_on=today + dt.timedelta(days=_reassess_days(most_urgent)),
                created_by=acting_user,
            )
        )
        dossier.situation_encrypted = _seal(dossier, "situation_encrypted", situation)
        dossier.causes_encrypted = _seal(dossier, "causes_encrypted", json.dumps(causes)) if causes else None
        dossier.save(force_insert=True)
        _new_needs(dossier, needs, source, now)
        _event(dossier, acting_user, EventKind.OPENED, situation=situation, causes=causes, source=source)
        for data in needs:
            _event(dossier, acting_user, EventKind.NEED_ADDED, kind=data.kind, priority=data.priority)
    return dossier


def _add_to(
    user: User, dossier: Dossier, situation: str, causes: list[str], needs: Sequence[NeedData], source: str
) -> Dossier:
    """Opening a household's dossier again: its needs and source added, closed ones reopened."""
    changes: dict[str, Any] = {}
    if dossier.state not in (DossierState.NEW, DossierState.BEING_HELPED, DossierState.STABILISED):
        changes["state"] = DossierState.NEW
    if situation and situation != dossier_text(dossier)["situation"]:
        changes["situation"] = situation
    known = dossier_text(dossier)["causes"]
    if set(causes) - set(known):
        changes["causes"] = known + [c for c in causes if c not in known]
    if changes:
        change_dossier(user, dossier, reason=_("Opened again."), **changes)
    if source not in dossier.sources:
        dossier.sources = [*dossier.sources, source]
        dossier.save(update_fields=["sources", "updated_at"])
        _event(dossier, user, EventKind.SOURCE_ADDED, source=source)
    for data in needs:
        add_need(user, dossier, data, source=source)
    return dossier


def change_dossier(
    acting_user: User,
    dossier: Dossier,
    *,
    reason: str,
    situation: str | None = None,
    causes: Iterable[str] | None = None,
    state: str | None = None,
) -> Dossier:
    """Change the family situation, the causes or the state, saying why."""
    _check_keeper(acting_user, dossier.household)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(dossier)
        now = dict(dossier_text(locked))
        fields: list[str] = []
        values: dict[str, Any] = {}
        if situation is not None and _text(situation) != now["situation"]:
            locked.situation_encrypted = _seal(locked, "situation_encrypted", _text(situation))
            fields.append("situation")
            values["situation"] = _text(situation)
        if causes is not None:
            kept = _choices(causes, Cause)
            if kept != now["causes"]:
                locked.causes_encrypted = _seal(locked, "causes_encrypted", json.dumps(kept)) if kept else None
                fields.append("causes")
                values["causes"] = kept
        if state is not None and _choice(state, DossierState) != locked.state:
            values["state"] = {"from": locked.state, "to": state}
            locked.state = state
            fields.append("state")
        if not fields:
            return locked
        locked.save()
        kind = EventKind.STATE_CHANGED if fields == ["state"] else EventKind.CHANGED
        _event(locked, acting_user, kind, fields, reason=reason, **values)
    return locked


def reassess(acting_user: User, dossier: Dossier, reason: str) -> Dossier:
    """Record a re-assessment: the next is due in 90 days, 30 while a 最急 need is open."""
    _check_keeper(acting_user, dossier.household)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(dossier)
        urgent = locked.needs.filter(state__in=OPEN_NEED_STATES, priority=Priority.MOST_URGENT).exists()
        locked.reassess_on = timezone.localdate() + dt.timedelta(days=_reassess_days(urgent))
        locked.save(update_fields=["reassess_on", "updated_at"])
        _event(locked, acting_user, EventKind.REASSESSED, ["reassess_on"], reason=reason, next=str(locked.reassess_on))
    return locked


# --- needs --------------------------------------------------------------------------------------


def add_need(acting_user: User, dossier: Dossier, data: NeedData, *, source: str = Source.SELF_REPORT) -> Need:
    """A new open need; a 最急 one brings the re-assessment within 30 days."""
    _check_keeper(acting_user, dossier.household)
    source = _choice(source, Source)
    with transaction.atomic():
        locked = _locked(dossier)
        (need,) = _new_needs(locked, [data], source, timezone.now())
        if data.priority == Priority.MOST_URGENT:
            soon = timezone.localdate() + dt.timedelta(days=REASSESS_DAYS_MOST_URGENT)
            if locked.reassess_on > soon:
                locked.reassess_on = soon
                locked.save(update_fields=["reassess_on", "updated_at"])
        _event(locked, acting_user, EventKind.NEED_ADDED, kind=data.kind, priority=data.priority, note=data.note)
    return need


def _pair_of(dossier_id: int, pair_id: int | None) -> Pair | None:
    if pair_id is None:
        return None
    pair = Pair.objects.filter(pk=pair_id, dossier_id=dossier_id).first()
    if pair is None:
        raise DomainError(AssistanceError.NEED_NOT_OF_DOSSIER, _("Choose a pair of this household."))
    if pair.ended_on is not None:
        raise DomainError(AssistanceError.PAIR_ENDED, _("The pair has ended."))
    return pair


_UNSET: Any = object()


def change_need(
    acting_user: User,
    need: Need,
    *,
    state: str | None = None,
    priority: str | None = None,
    reason: str = "",
    pair_id: int | None = _UNSET,
) -> Need:
    """Change a need's state or priority class, or assign it to a pair (None: to no pair). A need
    that cannot be met says why (kept encrypted)."""
    dossier = Dossier.objects.select_related("household").get(pk=need.dossier_id)
    _check_keeper(acting_user, dossier.household)
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        fields: list[str] = []
        values: dict[str, Any] = {}
        if state is not None and _choice(state, NeedState) != locked.state:
            if state == NeedState.CANNOT_BE_MET:
                locked.reason_encrypted = _seal(locked, "reason_encrypted", _reason(reason))
            values["state"] = {"from": locked.state, "to": state}
            locked.state = state
            locked.met_at = timezone.now() if state == NeedState.MET else None
            fields.append("state")
        if priority is not None and _choice(priority, Priority) != locked.priority:
            values["priority"] = {"from": locked.priority, "to": priority}
            locked.priority = priority
            fields.append("priority")
        if pair_id is not _UNSET and pair_id != locked.pair_id:
            locked.pair = _pair_of(dossier.pk, pair_id)
            values["pair"] = pair_id
            fields.append("pair")
        if not fields:
            return locked
        locked.save()
        _event(dossier, acting_user, EventKind.NEED_CHANGED, fields, need=locked.pk, reason=_text(reason), **values)
    return locked


# --- pairs --------------------------------------------------------------------------------------


def helpers_of_kind(district_id: int, kind: str) -> QuerySet:
    """The helpers of a kind a district may pair: its members (`MemberProfile`), its volunteers
    (a `Person` whose account holds the volunteer role in the district), its open resident units
    (`ResidentUnit`) and its social organisations (`SocialOrg`)."""
    kind = _choice(kind, HelperKind)
    if kind == HelperKind.MEMBER:
        return MemberProfile.objects.filter(district_id=district_id, person__anonymised_at__isnull=True)
    if kind == HelperKind.VOLUNTEER:
        volunteers = Person.objects.filter(district_id=district_id, anonymised_at__isnull=True, user__isnull=False)
        holding = RoleAssignment.objects.filter(role=Role.VOLUNTEER, district_id=district_id)
        return volunteers.filter(user_id__in=holding.values("user_id"))
    if kind == HelperKind.RESIDENT_UNIT:
        return ResidentUnit.objects.filter(district_id=district_id, closed_on__isnull=True)
    return SocialOrg.objects.filter(district_id=district_id)


def _check_helper(district_id: int, kind: str, helper_id: int) -> None:
    if not helpers_of_kind(district_id, kind).filter(pk=helper_id).exists():
        raise DomainError(
            AssistanceError.HELPER_UNKNOWN,
            _("Choose a member, volunteer, resident unit or social organisation of the district."),
        )


def pair_helper(
    acting_user: User, dossier: Dossier, *, kind: str, helper_id: int, campaign: PairingCampaign | None = None
) -> Pair:
    """Pair a helper with the household from today; a new dossier becomes 'being helped'."""
    _check_keeper(acting_user, dossier.household)
    _check_helper(dossier.district_id, kind, helper_id)
    if campaign is not None and campaign.district_id != dossier.district_id:
        raise not_found()
    try:
        with transaction.atomic():
            locked = _locked(dossier)
            pair = Pair.objects.create(
                dossier=locked,
                helper_kind=kind,
                helper_id=helper_id,
                campaign=campaign,
                started_on=timezone.localdate(),
                created_by=acting_user,
            )
            _event(locked, acting_user, EventKind.PAIRED, pair=pair.pk, helper_kind=kind, helper=helper_id)
            if locked.state == DossierState.NEW:
                locked.state = DossierState.BEING_HELPED
                locked.save(update_fields=["state", "updated_at"])
                _event(
                    locked, acting_user, EventKind.STATE_CHANGED, ["state"], state={"from": "new", "to": locked.state}
                )
    except IntegrityError:
        raise DomainError(
            AssistanceError.ALREADY_PAIRED, _("This helper is already paired with the household.")
        ) from None
    return pair


def end_pair(acting_user: User, pair: Pair, reason: str) -> Pair:
    """End a pair today, saying why; the needs assigned to it are no longer assigned."""
    dossier = Dossier.objects.select_related("household").get(pk=pair.dossier_id)
    _check_keeper(acting_user, dossier.household)
    reason = _reason(reason)
    with transaction.atomic():
        locked = Pair.objects.select_for_update().get(pk=pair.pk)
        if locked.ended_on is not None:
            raise DomainError(AssistanceError.PAIR_ENDED, _("The pair has ended."))
        locked.ended_on = timezone.localdate()
        locked.end_reason_encrypted = _seal(locked, "end_reason_encrypted", reason)
        locked.save()
        Need.objects.filter(pair=locked).update(pair=None)
        _event(dossier, acting_user, EventKind.PAIR_ENDED, ["pair"], pair=locked.pk, reason=reason)
    return locked


def _area_field(area: AreaNode) -> str:
    """The column naming a district, community or grid on the rows lying in it."""
    field = queries.AREA_FIELDS.get(area.level)
    if field is None:
        raise DomainError(AssistanceError.AREA_NOT_COVERAGE, _("Choose a district, a community or a grid."))
    return field


def _name_and_days(name: str, starts_on: dt.date, ends_on: dt.date | None) -> str:
    name = _text(name)[:200]
    if not name or (ends_on is not None and ends_on < starts_on):
        raise DomainError(AssistanceError.ASSISTANCE_DATES_INVALID, _("Give a name and the days it runs."))
    return name


def create_campaign(
    acting_user: User, *, area: AreaNode, name: str, starts_on: dt.date, ends_on: dt.date | None = None
) -> PairingCampaign:
    """千帮千: a pairing campaign over a district, community or grid."""
    _check_keeper(acting_user, area)
    _area_field(area)
    name = _name_and_days(name, starts_on, ends_on)
    with transaction.atomic():
        campaign = PairingCampaign.objects.create(
            district_id=area.district_id or area.pk,
            area=area,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=acting_user,
        )
        audit.record(
            acting_user, AuditAction.DOSSIER_CHANGED, obj=campaign, district_id=campaign.district_id, detail={}
        )
    return campaign


# --- helpers' skills ----------------------------------------------------------------------------


def _helper_place(district_id: int, kind: str, helper_id: int) -> AreaNode | None:
    """Where a helper is kept: a member's or volunteer's household (else the district), a resident
    unit's area, a social organisation's community."""
    if kind in (HelperKind.MEMBER, HelperKind.VOLUNTEER):
        person = "person_id" if kind == HelperKind.MEMBER else "pk"
        person_id = helpers_of_kind(district_id, kind).filter(pk=helper_id).values(person)
        home = HouseholdMember.objects.filter(person_id__in=person_id).select_related("household").first()
        return home.household if home is not None else AreaNode.objects.get(pk=district_id)
    area = "area" if kind == HelperKind.RESIDENT_UNIT else "community"
    found = helpers_of_kind(district_id, kind).filter(pk=helper_id).select_related(area).first()
    return getattr(found, area) if found is not None else None


def set_helper_skills(
    acting_user: User, *, district: AreaNode, kind: str, helper_id: int, kinds: Iterable[str]
) -> list[str]:
    """Declare the kinds of need a helper can meet (replacing those declared before). The keepers
    of the helper's place (their home, the unit's area, the organisation's community) declare
    them; a member or volunteer may declare their own."""
    _check_helper(district.pk, kind, helper_id)
    kept = _choices(kinds, NeedKind)
    if not queries.is_own_helper(acting_user, kind, helper_id):
        place = _helper_place(district.pk, kind, helper_id)
        assert place is not None
        _check_keeper(acting_user, place)
    with transaction.atomic():
        HelperSkill.objects.filter(helper_kind=kind, helper_id=helper_id).exclude(kind__in=kept).delete()
        HelperSkill.objects.bulk_create(
            [HelperSkill(district=district, helper_kind=kind, helper_id=helper_id, kind=k) for k in kept],
            ignore_conflicts=True,
        )
        audit.record(
            acting_user,
            AuditAction.DOSSIER_CHANGED,
            district_id=district.pk,
            detail={"helper_kind": kind, "helper": helper_id, "skills": kept},
        )
    return kept


# --- helps --------------------------------------------------------------------------------------


def _may_record_help(user: User, dossier: Dossier, pair: Pair | None) -> None:
    if queries.can_keep(user, dossier.household):
        return
    if pair is not None and queries.helper_pairs(user).filter(pk=pair.pk).exists():
        return
    raise not_found()


def record_help(
    acting_user: User,
    *,
    uuid: uuidlib.UUID,
    dossier: Dossier,
    given_on: dt.date,
    what: str,
    value: Decimal | None = None,
    hours: Decimal | None = None,
    pair: Pair | None = None,
    need: Need | None = None,
) -> tuple[Help, bool]:
    """A help given, stored once per uuid: (the help, whether it was created now). The keepers
    record any; a paired member records those of their own pair. A help naming a need marks it
    being met (it is met only when a keeper says so)."""
    stored = Help.objects.filter(uuid=uuid).select_related("dossier__household").first()
    if stored is not None:
        _may_record_help(acting_user, stored.dossier, stored.pair)
        return stored, False
    _may_record_help(acting_user, dossier, pair)
    if pair is not None and pair.dossier_id != dossier.pk or need is not None and need.dossier_id != dossier.pk:
        raise DomainError(AssistanceError.NEED_NOT_OF_DOSSIER, _("Choose a need or pair of this household."))
    if pair is not None and pair.ended_on is not None:
        raise DomainError(AssistanceError.PAIR_ENDED, _("The pair has ended."))
    if (value is not None and value < 0) or (hours is not None and hours < 0):
        raise DomainError(AssistanceError.HELP_VALUE_INVALID, _("A value or hours cannot be negative."))
    what = _reason(what)
    try:
        with transaction.atomic():
            help_ = _with_id(
                Help(
                    uuid=uuid,
                    dossier=dossier,
                    pair=pair,
                    need=need,
                    given_on=given_on,
                    value=value,
                    hours=hours,
                    recorded_by=acting_user,
                )
            )
            help_.what_encrypted = _seal(help_, "what_encrypted", what)
            help_.save(force_insert=True)
            if need is not None:
                Need.objects.filter(pk=need.pk, state=NeedState.OPEN).update(state=NeedState.BEING_MET)
            _event(dossier, acting_user, EventKind.HELPED, help=help_.pk, what=what, need=need.pk if need else None)
    except IntegrityError:
        stored = Help.objects.filter(uuid=uuid).first()
        if stored is None:
            raise
        return stored, False
    return help_, True


# --- survey rounds ------------------------------------------------------------------------------


def create_survey_round(
    acting_user: User,
    *,
    area: AreaNode,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    only_flagged: bool = False,
) -> SurveyRound:
    """摸排: a survey round over a district, community or grid, listing every household in it or,
    `only_flagged`, only the households flagged by a visit in the last year or with a dossier in
    the database (`queries.flagged_households`)."""
    _check_keeper(acting_user, area)
    field = _area_field(area)
    name = _name_and_days(name, starts_on, ends_on)
    with transaction.atomic():
        survey = SurveyRound.objects.create(
            district_id=area.district_id or area.pk,
            area=area,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            only_flagged=only_flagged,
            created_by=acting_user,
        )
        if only_flagged:
            households = queries.flagged_households(area)
        else:
            households = AreaNode.objects.filter(level=Level.HOUSEHOLD, **{field: area.pk}).values_list("pk", flat=True)
        SurveyHousehold.objects.bulk_create(
            [SurveyHousehold(round=survey, household_id=h) for h in households], batch_size=2000
        )
        audit.record(
            acting_user,
            AuditAction.DOSSIER_CHANGED,
            obj=survey,
            district_id=survey.district_id,
            detail={"only_flagged": True} if only_flagged else {},
        )
    return survey


def mark_surveyed(acting_user: User, survey: SurveyRound, household: AreaNode, on: dt.date) -> SurveyHousehold:
    """A household of the round seen on a day (linked to its dossier, if it has one)."""
    _check_keeper(acting_user, household)
    with transaction.atomic():
        row = SurveyHousehold.objects.select_for_update().filter(round=survey, household=household).first()
        if row is None:
            raise not_found()
        row.seen_on = on
        row.dossier = Dossier.objects.filter(household=household).first()
        row.save()
        audit.record(acting_user, AuditAction.DOSSIER_CHANGED, obj=survey, district_id=survey.district_id)
    return row


# --- from field work ----------------------------------------------------------------------------


def take_up_visit(visit: Visit, flags: Sequence[str]) -> Dossier | None:
    """A visit that flagged its household: opens the household's dossier (state new, source
    visit) or adds to the one it has, by the visit's recorder, and notes the visit in its history.
    Idempotent: a visit already taken up changes nothing. None when nothing was flagged or the
    recorder does not keep the household's dossiers."""
    household = AreaNode.objects.get(pk=visit.household_id)
    user = User.objects.get(pk=visit.recorded_by_id)
    if not flags or not queries.can_keep(user, household):
        return None
    with transaction.atomic():
        taken = DossierEvent.objects.filter(visit_id=visit.pk).select_related("dossier").first()
        if taken is not None:
            return taken.dossier
        dossier = open_dossier(user, household=household, source=Source.VISIT)
        _event(dossier, user, EventKind.VISIT_FLAGGED, visit=visit, flags=list(flags))
    return dossier
