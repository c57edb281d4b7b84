"""The demo district's households in difficulty (困难帮扶): records, never figures.

About `SHARE` of the households of every community get a dossier opened some time in the last
year (from a survey round, a visit or a self-report), with one or two causes, a family situation
and one to three needs of every priority class; most are paired (点对点): with a member of the
district for `MEMBER_PAIR_SHARE` of the pairs, with a social organisation (社会组织) of the
household's community for `SOCIAL_ORG_PAIR_SHARE`, with the district's volunteer (the person whose
account holds the volunteer role) for up to `VOLUNTEER_PAIRS` households of their community,
otherwise with a resident unit (驻区单位) of the household's community (or of the district), and
the pairs gave helps over the year, about every month. The volunteer and each social organisation
declare one or two skills (kinds of need they can meet), which pairing suggestions read. A help
given by a member's pair is a practical thing done (`team.practical`): the share of member pairs
keeps the district's year near the reference's 2,107 together with the members' wishes and tasks
(`demo/team.py`). Gaps are planted in the records so that the worklist finds them: some needs
are left open for months (`WAITING_SHARE`), some pairs have had no help for more than 60 days
(`IDLE_SHARE`), and some dossiers are past their re-assessment date.

Every sensitive value is encrypted and bound to its row as the actions would do it (keys
reserved first, `lib.rowids.reserve_ids`); the rows are written with `bulk_create` in the build's
transaction, without a call per row. The history holds one `opened` line per dossier (without
detail). Same seed and same day of the build → the same records.
"""

import datetime as dt
import json
import random
import uuid
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone

from wangge.accounts.models import Role, RoleAssignment
from wangge.areas.models import AreaNode, Level
from wangge.assistance.models import (
    REASSESS_DAYS,
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
    Priority,
    Source,
)
from wangge.demo.blueprint import DistrictPlan
from wangge.lib.crypto import bound_to, encrypt
from wangge.lib.rowids import reserve_ids
from wangge.orgs.models import ResidentUnit
from wangge.people.models import MemberProfile, Person
from wangge.resources.models import SocialOrg

SHARE = 0.03  # of the households of every community
PAIRED_SHARE = 0.85
# Of the pairs: with a member (the rest with a resident unit). About 40 % of the reference's
# practical things done in a year come from members' helps at this share.
MEMBER_PAIR_SHARE = 0.06
SOCIAL_ORG_PAIR_SHARE = 0.15  # of the pairs: with a social organisation of the household's community
VOLUNTEER_PAIRS = 6  # households paired with the district's volunteer (in their community)
WAITING_SHARE = 0.15  # of the needs: open since long ago
IDLE_SHARE = 0.1  # of the pairs: no help for more than 60 days
DAYS = 365

SITUATIONS = [
    "老两口均年过八旬，子女在外地工作，日常起居需要照料",
    "户主因病失去劳动能力，配偶打零工维持生活，孩子上初中",
    "独居老人，患慢性病多年，每月药费负担较重",
    "家中有一名重度残疾人，需长期护理",
    "夫妻二人均失业，正在找工作，孩子上小学",
    "房屋老旧漏雨，家庭收入低，无力维修",
]
HELPS = [
    "送米面油",
    "陪同就医",
    "上门打扫卫生",
    "代购生活用品",
    "帮助申请低保",
    "辅导孩子功课",
    "上门理发",
    "心理疏导谈心",
]


def _seal(model: type[Model], field: str, pk: int, text: str) -> bytes:
    return encrypt(text, bound_to(model, field, pk))


def write_assistance(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> dict[str, int]:
    """The dossiers, needs, pairs, helps and history lines; how many of each were written."""
    rng = random.Random(f"{plan.seed}-assistance")
    district = areas[Level.DISTRICT][0]
    now = timezone.now()
    today = timezone.localdate()
    recorder = (
        RoleAssignment.objects.filter(district=district, role=Role.DISTRICT_ADMIN).values_list("user_id", flat=True)
    ).first()
    households = list(
        AreaNode.objects.filter(district=district, level=Level.HOUSEHOLD)
        .order_by("community_id", "pk")
        .values_list("pk", "community_id", "grid_id")
    )
    by_community: dict[int, list[tuple[int, int, int]]] = {}
    for row in households:
        by_community.setdefault(row[1], []).append(row)
    chosen = [
        row for rows in by_community.values() for row in sorted(rng.sample(rows, max(1, round(len(rows) * SHARE))))
    ]
    members = list(MemberProfile.objects.filter(district=district).order_by("pk").values_list("pk", flat=True))
    orgs: dict[int, list[int]] = {}
    for org, org_community in (
        SocialOrg.objects.filter(district=district).order_by("pk").values_list("pk", "community_id")
    ):
        orgs.setdefault(org_community, []).append(org)
    volunteer_users = RoleAssignment.objects.filter(district=district, role=Role.VOLUNTEER).values("user_id")
    volunteers = list(
        Person.objects.filter(district=district, user_id__in=volunteer_users)
        .order_by("pk")
        .values_list("pk", "community_id")
    )
    volunteer_load = dict.fromkeys((pk for pk, _c in volunteers), 0)
    any_member = False
    long_ago = today - dt.timedelta(days=150)
    units: dict[int | None, list[int]] = {}
    for unit, unit_community in (
        ResidentUnit.objects.filter(district=district).order_by("pk").values_list("pk", "community_id")
    ):
        units.setdefault(unit_community, []).append(unit)
        units.setdefault(None, []).append(unit)

    dossier_ids = reserve_ids(Dossier, len(chosen))
    dossiers, needs, pairs, helps, events = [], [], [], [], []
    planned_needs: list[tuple[int, str, str, str, dt.datetime, str]] = []
    planned_pairs: list[tuple[int, str, int, dt.date]] = []
    for pk, (household, community, grid) in zip(dossier_ids, chosen, strict=True):
        opened = today - dt.timedelta(days=rng.randint(20, DAYS))
        causes = sorted(rng.sample(list(Cause.values), rng.choice((1, 1, 2))))
        paired = bool(members) and rng.random() < PAIRED_SHARE
        dossiers.append(
            Dossier(
                pk=pk,
                district_id=district.pk,
                community_id=community,
                grid_id=grid,
                household_id=household,
                state=DossierState.BEING_HELPED if paired else DossierState.NEW,
                situation_encrypted=_seal(Dossier, "situation_encrypted", pk, rng.choice(SITUATIONS)),
                causes_encrypted=_seal(Dossier, "causes_encrypted", pk, json.dumps(causes)),
                sources=[rng.choice((Source.SURVEY, Source.SURVEY, Source.VISIT, Source.SELF_REPORT))],
                opened_on=opened,
                # Some are past their re-assessment: the worklist lists them.
                reassess_on=opened + dt.timedelta(days=REASSESS_DAYS * rng.choice((1, 1, 2, 3))),
                created_by_id=recorder,
            )
        )
        events.append(DossierEvent(dossier_id=pk, kind=EventKind.OPENED, actor_id=recorder))
        for _ in range(rng.randint(1, 3)):
            waiting = rng.random() < WAITING_SHARE
            since = opened if waiting else opened + dt.timedelta(days=rng.randint(0, 20))
            at = timezone.make_aware(dt.datetime.combine(min(since, today), dt.time(10)))
            state = NeedState.OPEN if waiting else rng.choice(list(NeedState.values))
            kind = rng.choice(list(NeedKind.values))
            planned_needs.append((pk, kind, rng.choice(list(Priority.values)), state, at, dossiers[-1].sources[0]))
        if paired:
            started = opened + dt.timedelta(days=rng.randint(0, 10))
            nearby = units.get(community) or units.get(None)
            volunteer = next(
                (v for v, at in volunteers if at == community and volunteer_load[v] < VOLUNTEER_PAIRS), None
            )
            draw = rng.random()
            if volunteer is not None:
                volunteer_load[volunteer] += 1
                planned_pairs.append((pk, HelperKind.VOLUNTEER, volunteer, started))
            elif draw < MEMBER_PAIR_SHARE or not nearby or (not any_member and opened <= long_ago):
                # At least one member's pair, old enough to have given helps however small the
                # district (a member's help is a practical thing done).
                any_member = True
                planned_pairs.append((pk, HelperKind.MEMBER, rng.choice(members), started))
            elif draw < MEMBER_PAIR_SHARE + SOCIAL_ORG_PAIR_SHARE and orgs.get(community):
                planned_pairs.append((pk, HelperKind.SOCIAL_ORG, rng.choice(orgs[community]), started))
            else:
                planned_pairs.append((pk, HelperKind.RESIDENT_UNIT, rng.choice(nearby), started))

    need_ids = reserve_ids(Need, len(planned_needs))
    for pk, (dossier, kind, priority, state, at, source) in zip(need_ids, planned_needs, strict=True):
        need = Need(
            pk=pk,
            dossier_id=dossier,
            kind_encrypted=_seal(Need, "kind_encrypted", pk, kind),
            priority=priority,
            state=state,
            source=source,
            opened_at=at,
            met_at=at + dt.timedelta(days=30) if state == NeedState.MET and at + dt.timedelta(days=30) < now else None,
        )
        if state == NeedState.CANNOT_BE_MET:
            need.reason_encrypted = _seal(Need, "reason_encrypted", pk, "不符合政策条件，已转介其他渠道")
        needs.append(need)

    help_plans: list[tuple[int, int, dt.date]] = []
    pair_ids = reserve_ids(Pair, len(planned_pairs))
    for pk, (dossier, helper_kind, helper, started) in zip(pair_ids, planned_pairs, strict=True):
        pairs.append(
            Pair(
                pk=pk,
                dossier_id=dossier,
                helper_kind=helper_kind,
                helper_id=helper,
                started_on=min(started, today),
                created_by_id=recorder,
            )
        )
        last = today - dt.timedelta(days=rng.randint(61, 120)) if rng.random() < IDLE_SHARE else today
        day = started + dt.timedelta(days=rng.randint(3, 20))
        while day <= last:
            help_plans.append((pk, dossier, day))
            day += dt.timedelta(days=rng.randint(20, 45))
    open_need_of = {n.dossier_id: n.pk for n in needs if n.state != NeedState.CANNOT_BE_MET}

    help_ids = reserve_ids(Help, len(help_plans))
    for pk, (pair, dossier, day) in zip(help_ids, help_plans, strict=True):
        helps.append(
            Help(
                pk=pk,
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                dossier_id=dossier,
                pair_id=pair,
                need_id=open_need_of.get(dossier) if rng.random() < 0.3 else None,
                given_on=day,
                what_encrypted=_seal(Help, "what_encrypted", pk, rng.choice(HELPS)),
                value=Decimal(rng.choice((0, 0, 50, 100, 200))) or None,
                hours=Decimal(rng.choice((1, 2, 3))),
                recorded_by_id=recorder,
            )
        )
    Dossier.objects.bulk_create(dossiers, batch_size=500)
    Pair.objects.bulk_create(pairs, batch_size=500)
    Need.objects.bulk_create(needs, batch_size=500)
    Help.objects.bulk_create(helps, batch_size=500)
    DossierEvent.objects.bulk_create(events, batch_size=500)
    skills = [
        HelperSkill(district=district, helper_kind=kind, helper_id=helper, kind=need_kind)
        for kind, helpers in (
            (HelperKind.VOLUNTEER, [v for v, _c in volunteers]),
            (HelperKind.SOCIAL_ORG, [o for found in orgs.values() for o in found]),
        )
        for helper in helpers
        for need_kind in rng.sample(list(NeedKind.values), rng.choice((1, 2)))
    ]
    HelperSkill.objects.bulk_create(skills, batch_size=500)
    by_kind = {kind: sum(1 for p in pairs if p.helper_kind == kind) for kind in HelperKind.values}
    return {
        "dossiers": len(dossiers),
        "needs": len(needs),
        "pairs": len(pairs),
        "helps": len(helps),
        **{f"pairs_{kind}": n for kind, n in by_kind.items()},
    }
