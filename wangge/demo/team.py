"""The demo district's team (队伍融合): a year of members' small wishes and service tasks, and one
assessment period computed through the real `run_period`. Records, never figures.

The district's practical things done (`team.practical`) over the last 365 days are aimed at the
reference's **2,107** at full scale, scaled by households (`TARGET_FULL`): the helps members'
pairs already gave (`demo/assistance.py`) count first, and wishes and tasks fulfilled over the
year make up the rest. The members who claim them (`CLAIMANT_SHARE` of each community's, the
demo's `member` account among them) get their own login account (`Person.user`, no usable
password) and are registered (报到) with their home community, as `members.register` records it.
Each wish is posted (by the community's staff or grid team account, or the district
administrator), claimed within days, fulfilled within the claim's seven days with a note and
mostly confirmed; a few are still open and a few have a claim that lapsed. Rows are written in
bulk (`fieldwork.insert_rows`, created_at as it was): the actions refuse past dates.

The claimants' registrations (报到): most confirmed by their community's staff (`Registration`
rows, source imported), some waiting for confirmation (registered by the member), some only
imported (`reported_on`, no row yet); a student claimant also registers with another community
as their university's. Each claimant has made one commitment (承诺) with a theme and a one-year
term, half of them with their fulfilment noted. Half of the fulfilled wishes whose claimant is a
retired or student member are services they offered (`Wish.service`, posted and claimed by the
member, fulfilled with 1–4 hours, confirmed by the community's staff).

Cases a member handled: the judicial bureau's demo account (`dept_sifa`) is the account of an
in-service member of the registry, so the cases it handled and that were closed off count as
that member's practical things (`practical.cases_handled`); they count before the wishes.

Then every month of the demo year is assessed in order, oldest first
(`team.actions.run_period`), so the stars move from month to month by the rule, and the roster
shows the last full month's. Same seed and same day of the build → the same records.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.demo.blueprint import SCALES, DistrictPlan
from wangge.demo.fieldwork import insert_rows
from wangge.lib.rowids import reserve_ids
from wangge.people.models import MemberKind, MemberProfile, Person
from wangge.team import practical
from wangge.team.actions import run_period
from wangge.team.models import (
    Commitment,
    CommitmentTheme,
    Registration,
    RegistrationPlace,
    RegistrationSource,
    RegistrationStatus,
    ServiceKind,
    Wish,
    WishKind,
    WishStatus,
)
from wangge.team.wishes import CLAIM_DAYS, OFFERING_KINDS

TARGET_FULL = 2_107  # practical things done in a year by the reference district (full scale)
DAYS = 365
CLAIMANT_SHARE = 0.03  # of each community's members: those who claim wishes
TASK_SHARE = 0.3  # of the wishes: service tasks posted for a grid
CONFIRMED_SHARE = 0.85  # of the fulfilled: confirmed by whoever posted them
LAPSED_SHARE = 0.04  # more wishes, claimed, whose claim lapsed
OPEN_SHARE = 0.03  # more wishes, posted in the last days, waiting for a member
CONFIRMED_REGISTRATION_SHARE = 0.7  # of the claimants: registration confirmed by the staff
WAITING_REGISTRATION_SHARE = 0.2  # registered by the member, waiting (the rest: imported only)
FULFILMENT_NOTED_SHARE = 0.5  # of the commitments
SERVICE_SHARE = 0.5  # of the fulfilled wishes of retired and student claimants: their own services
MONTHS_ASSESSED = 12
HANDLING_MEMBER_ACCOUNT = "dept_sifa"  # a unit account that is an in-service member's

SERVICES = {
    ServiceKind.CULTURE: "为社区老人教唱红歌",
    ServiceKind.ELDERLY: "上门陪伴独居老人",
    ServiceKind.SUPPORT: "为困难家庭提供心理疏导",
    ServiceKind.TUTORING: "为社区孩子辅导功课",
}
COMMITMENTS = {
    CommitmentTheme.POLICY: "每季度为居民宣讲一次惠民政策",
    CommitmentTheme.CULTURE: "每月组织一次社区文体活动",
    CommitmentTheme.ELDERLY: "每周探望一户独居老人",
    CommitmentTheme.SUPPORT: "结对一户困难家庭，定期谈心",
    CommitmentTheme.TUTORING: "每周六为社区孩子辅导作业",
    CommitmentTheme.ENVIRONMENT: "每月参加一次小区环境整治",
    CommitmentTheme.MEDIATION: "参与调解邻里纠纷",
}

WISHES = [
    "帮忙修理漏水的水龙头",
    "陪老人去医院复查",
    "给孩子辅导数学作业",
    "帮忙更换楼道灯泡",
    "代购一周的蔬菜",
    "帮忙疏通下水道",
]
TASKS = ["清理楼道堆放的杂物", "整理小区宣传栏", "为独居老人送餐", "协助开展防诈骗宣传", "清扫小区绿地垃圾"]
NOTES = ["已上门处理完毕", "已陪同完成", "已送达，居民表示感谢", "已完成，拍照留存"]


@dataclass
class TeamResult:
    practical: dict[str, object]  # practical.count of the district's last 365 days
    wishes: int
    claimants: int
    period: str
    scores: int
    registrations: int = 0
    commitments: int = 0
    services: int = 0
    months: int = 0


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randint(0, 59))))


def _claimants(district: AreaNode, rng: random.Random, today: dt.date) -> dict[int, list[MemberProfile]]:
    """Community id → its claiming members, given accounts and registered (imported)."""
    chosen: dict[int, list[MemberProfile]] = {}
    rows = MemberProfile.objects.filter(district=district).select_related("person").order_by("pk")
    by_community: dict[int, list[MemberProfile]] = {}
    for member in rows:
        by_community.setdefault(member.home_community_id, []).append(member)
    for community, members in by_community.items():
        own = [m for m in members if m.person.user_id is not None]  # the demo's `member` account
        others = [m for m in members if m.person.user_id is None]
        chosen[community] = own + rng.sample(others, max(0, max(1, round(len(members) * CLAIMANT_SHARE)) - len(own)))
    fresh = [m for ms in chosen.values() for m in ms if m.person.user_id is None]
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"dy{m.pk}", display_name=m.person.name, password=unusable) for m in fresh], batch_size=500
    )
    for member, user in zip(fresh, users, strict=True):
        member.person.user_id = user.pk
    Person.objects.bulk_update([m.person for m in fresh], ["user"], batch_size=500)
    registered = today - dt.timedelta(days=DAYS + 30)
    MemberProfile.objects.filter(pk__in=[m.pk for ms in chosen.values() for m in ms], reported_on__isnull=True).update(
        reported_on=registered
    )
    for member in (m for ms in chosen.values() for m in ms):
        member.reported_on = member.reported_on or registered
    return {c: ms for c, ms in chosen.items() if ms}


def _handling_member(district: AreaNode) -> None:
    """The judicial bureau's demo account becomes the account of an in-service member without one."""
    account = User.objects.filter(username=HANDLING_MEMBER_ACCOUNT).first()
    if account is None or Person.objects.filter(user=account).exists():
        return
    member = (
        MemberProfile.objects.filter(district=district, kind=MemberKind.IN_SERVICE, person__user__isnull=True)
        .order_by("pk")
        .first()
    )
    if member is not None:
        Person.objects.filter(pk=member.person_id).update(user=account)


def _registrations(
    district: AreaNode,
    claimants: dict[int, list[MemberProfile]],
    posters: dict[int, int],
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """The claimants' registrations: confirmed, waiting, or imported only; students twice."""
    rows = []
    communities = sorted(claimants)
    for members in claimants.values():
        for member in members:
            assert member.reported_on is not None  # noqa: S101 (set by _claimants)
            draw = rng.random()
            if draw < CONFIRMED_REGISTRATION_SHARE + WAITING_REGISTRATION_SHARE:
                confirmed = draw < CONFIRMED_REGISTRATION_SHARE
                rows.append(
                    Registration(
                        district=district,
                        member=member,
                        community_id=member.home_community_id,
                        place=RegistrationPlace.HOME,
                        source=RegistrationSource.IMPORTED if confirmed else RegistrationSource.MEMBER,
                        registered_on=member.reported_on,
                        status=RegistrationStatus.CONFIRMED if confirmed else RegistrationStatus.REGISTERED,
                        confirmed_by_id=posters.get(member.home_community_id) if confirmed else None,
                        confirmed_at=now - dt.timedelta(days=rng.randint(30, 300)) if confirmed else None,
                    )
                )
            others = [c for c in communities if c != member.home_community_id]
            if member.kind == MemberKind.STUDENT and others:
                rows.append(
                    Registration(
                        district=district,
                        member=member,
                        community_id=rng.choice(others),
                        place=RegistrationPlace.UNIVERSITY,
                        source=RegistrationSource.MEMBER,
                        registered_on=member.reported_on,
                        status=RegistrationStatus.CONFIRMED,
                        confirmed_at=now - dt.timedelta(days=rng.randint(30, 300)),
                    )
                )
    Registration.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _commitments(
    district: AreaNode, claimants: dict[int, list[MemberProfile]], rng: random.Random, today: dt.date
) -> int:
    """One commitment per claimant, a one-year term begun in the last year; half noted fulfilled."""
    rows = []
    for member in (m for ms in claimants.values() for m in ms):
        theme = rng.choice(list(COMMITMENTS))
        starts = today - dt.timedelta(days=rng.randint(30, DAYS - 1))
        noted = rng.random() < FULFILMENT_NOTED_SHARE
        rows.append(
            Commitment(
                district=district,
                member=member,
                community_id=member.home_community_id,
                theme=theme,
                text=COMMITMENTS[theme],
                starts_on=starts,
                ends_on=starts + dt.timedelta(days=365),
                fulfilled_on=starts + dt.timedelta(days=rng.randint(7, (today - starts).days)) if noted else None,
                fulfilment="已按承诺完成" if noted else "",
                noted_by_id=member.person.user_id if noted else None,
            )
        )
    Commitment.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def write_team(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> TeamResult:
    rng = random.Random(f"{plan.seed}-team")
    district = areas[Level.DISTRICT][0]
    today = timezone.localdate()
    now = timezone.now()
    start = today - dt.timedelta(days=DAYS - 1)
    households = areas[Level.HOUSEHOLD]
    target = round(TARGET_FULL * len(households) / SCALES["full"].households)
    _handling_member(district)
    helps = practical.helps_given(district, start, today).count()
    cases = practical.cases_handled(district, start, today).count()
    claimant_members = _claimants(district, rng, today)
    claimants = {
        c: [m.person.user_id for m in ms if m.person.user_id is not None] for c, ms in claimant_members.items()
    }
    kinds = {m.person.user_id: m.kind for ms in claimant_members.values() for m in ms}

    posters: dict[int, int] = {}
    admin = None
    for user_id, role, area_id in RoleAssignment.objects.filter(
        district=district, role__in=(Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF)
    ).values_list("user_id", "role", "area_id"):
        if role == Role.DISTRICT_ADMIN:
            admin = user_id
        else:
            posters.setdefault(area_id, user_id)
    by_community: dict[int | None, list[AreaNode]] = {}
    for household in households:
        by_community.setdefault(household.community_id, []).append(household)
    grids: dict[int | None, list[AreaNode]] = {}
    for grid in areas[Level.GRID]:
        grids.setdefault(grid.community_id, []).append(grid)
    communities = sorted(c for c in claimants if c in by_community)
    registrations = _registrations(district, claimant_members, posters, rng, now)
    commitments = _commitments(district, claimant_members, rng, today)

    done = max(0, target - helps - cases)
    services = 0
    lapsed = round(done * LAPSED_SHARE)
    waiting = round(done * OPEN_SHARE)
    rows = []
    fulfilled: dt.datetime | None
    claimed: dt.datetime | None
    confirmed: dt.datetime | None
    claimant: int | None
    for index in range(done + lapsed + waiting):
        community = rng.choice(communities)
        task = rng.random() < TASK_SHARE
        place = rng.choice(grids[community]) if task else rng.choice(by_community[community])
        poster = posters.get(community, admin)
        claimant = rng.choice(claimants[community])
        if index < done:
            day = _at(start + dt.timedelta(days=rng.randint(0, DAYS - 1)), rng)
            fulfilled = min(day, now - dt.timedelta(minutes=5))
            claimed = fulfilled - dt.timedelta(hours=rng.randint(2, 24 * (CLAIM_DAYS - 1)))
            posted = claimed - dt.timedelta(hours=rng.randint(1, 72))
            confirmed = fulfilled + dt.timedelta(hours=rng.randint(1, 72))
            status = (
                WishStatus.CONFIRMED if rng.random() < CONFIRMED_SHARE and confirmed < now else WishStatus.FULFILLED
            )
            note = rng.choice(NOTES)
        elif index < done + lapsed:
            claimed = _at(today - dt.timedelta(days=rng.randint(CLAIM_DAYS + 1, 60)), rng)
            posted = claimed - dt.timedelta(hours=rng.randint(1, 72))
            fulfilled = confirmed = None
            status, note = WishStatus.CLAIMED, ""
        else:
            posted = now - dt.timedelta(hours=rng.randint(1, 72))
            claimed = fulfilled = confirmed = None
            status, note, claimant = WishStatus.OPEN, "", None
        service, hours, text = "", None, rng.choice(TASKS if task else WISHES)
        grid_id, household_id = (place.pk if task else place.grid_id), (None if task else place.pk)
        if index < done and kinds.get(claimant) in OFFERING_KINDS and rng.random() < SERVICE_SHARE:
            # A service the retired or student member offered: posted and claimed by them.
            service = rng.choice(list(SERVICES))
            task, text, poster, grid_id, household_id = True, SERVICES[service], claimant, None, None
            hours = rng.choice((1, 1.5, 2, 2.5, 3, 4))
            assert fulfilled is not None  # noqa: S101 (a fulfilled row)
            claimed = fulfilled - dt.timedelta(hours=rng.randint(2, 24 * (CLAIM_DAYS - 1)))
            posted = claimed
            services += 1
        rows.append(
            (
                district.pk,
                community,
                grid_id,
                household_id,
                WishKind.TASK if task else WishKind.WISH,
                text,
                poster,
                status,
                claimant,
                claimed,
                claimed + dt.timedelta(days=CLAIM_DAYS) if claimed else None,
                fulfilled,
                note,
                "",
                confirmed if status == WishStatus.CONFIRMED else None,
                posted,
                confirmed if status == WishStatus.CONFIRMED else fulfilled or claimed or posted,
                service,
                hours,
            )
        )
    ids = reserve_ids(Wish, len(rows))
    columns = [
        "id",
        "district_id",
        "community_id",
        "grid_id",
        "household_id",
        "kind",
        "text",
        "posted_by_id",
        "status",
        "claimant_id",
        "claimed_at",
        "claim_expires_at",
        "fulfilled_at",
        "note",
        "photo",
        "confirmed_at",
        "created_at",
        "updated_at",
        "service",
        "hours",
    ]
    insert_rows(Wish, columns, [(pk, *row) for pk, row in zip(ids, rows, strict=True)])

    # Every month of the year, oldest first, so each month's stars roll from the month before.
    month = today.replace(day=1)
    months = []
    for _ in range(MONTHS_ASSESSED):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    for first in reversed(months):
        period, lines = run_period(None, district=district, period_text=f"{first:%Y-%m}", commit=True)
    return TeamResult(
        practical=practical.count(district, start, today),
        wishes=len(rows),
        claimants=sum(len(users) for users in claimants.values()),
        period=period.label,
        scores=len(lines),
        registrations=registrations,
        commitments=commitments,
        services=services,
        months=len(months),
    )
