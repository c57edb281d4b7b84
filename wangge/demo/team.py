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

Then the last full month's assessment is run for every worker (`team.actions.run_period`), so
the roster shows stars. Same seed and same day of the build → the same records.
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
from wangge.people.models import MemberProfile, Person
from wangge.team import practical
from wangge.team.actions import run_period
from wangge.team.models import Wish, WishKind, WishStatus
from wangge.team.wishes import CLAIM_DAYS

TARGET_FULL = 2_107  # practical things done in a year by the reference district (full scale)
DAYS = 365
CLAIMANT_SHARE = 0.03  # of each community's members: those who claim wishes
TASK_SHARE = 0.3  # of the wishes: service tasks posted for a grid
CONFIRMED_SHARE = 0.85  # of the fulfilled: confirmed by whoever posted them
LAPSED_SHARE = 0.04  # more wishes, claimed, whose claim lapsed
OPEN_SHARE = 0.03  # more wishes, posted in the last days, waiting for a member

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


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randint(0, 59))))


def _claimants(district: AreaNode, rng: random.Random, today: dt.date) -> dict[int, list[int]]:
    """Community id → the user ids of its claiming members, given accounts and registered."""
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
    return {c: [u for m in ms if (u := m.person.user_id) is not None] for c, ms in chosen.items() if ms}


def write_team(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> TeamResult:
    rng = random.Random(f"{plan.seed}-team")
    district = areas[Level.DISTRICT][0]
    today = timezone.localdate()
    now = timezone.now()
    start = today - dt.timedelta(days=DAYS - 1)
    households = areas[Level.HOUSEHOLD]
    target = round(TARGET_FULL * len(households) / SCALES["full"].households)
    helps = practical.helps_given(district, start, today).count()
    claimants = _claimants(district, rng, today)

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

    done = max(0, target - helps)
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
        rows.append(
            (
                district.pk,
                community,
                place.pk if task else place.grid_id,
                None if task else place.pk,
                WishKind.TASK if task else WishKind.WISH,
                rng.choice(TASKS if task else WISHES),
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
    ]
    insert_rows(Wish, columns, [(pk, *row) for pk, row in zip(ids, rows, strict=True)])

    last_month = today.replace(day=1) - dt.timedelta(days=1)
    period, lines = run_period(None, district=district, period_text=f"{last_month:%Y-%m}", commit=True)
    return TeamResult(
        practical=practical.count(district, start, today),
        wishes=len(rows),
        claimants=sum(len(users) for users in claimants.values()),
        period=period.label,
        scores=len(lines),
    )
