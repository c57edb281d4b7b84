"""The demo district's volunteers: a service station in every community with 3–6 specialised
teams, volunteers from the registry, and a year of activities with sign-ups, check-ins and
credited hours, some self-logged hours (mostly approved), and the households the activities
served. Records, never figures.

Stations and teams go through `volunteers.actions` (by the district administrator); a year of
past activities cannot (the actions refuse past check-ins), so activities, sign-ups, team
memberships, logged hours and households served are written in bulk as the rows the actions
would write (not audited row by row, as field work's records). `VOLUNTEER_SHARE` of each
community's adults are volunteers (at least `MIN_VOLUNTEERS`); the demo `volunteer` account is
the registry person of its name in community 0 and one of them. Each station holds an activity
about every `EVERY_DAYS` days over the year, and a few in the coming fortnight to sign up for.
Same seed and same day of the build → the same records.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.demo.blueprint import DistrictPlan
from wangge.demo.fieldwork import insert_rows
from wangge.people.models import Person
from wangge.volunteers import actions
from wangge.volunteers.figures import credited_hours
from wangge.volunteers.models import (
    Activity,
    Attendee,
    HoursLog,
    HoursStatus,
    ServiceTeam,
    SignUp,
    SignUpStatus,
    TeamKind,
    Volunteer,
)

DAYS = 365
EVERY_DAYS = 9
UPCOMING = 3
VOLUNTEER_SHARE = 0.02
MIN_VOLUNTEERS = 12
LOGGING_SHARE = 0.25
APPROVED_SHARE = 0.85
TEAMS = [
    (TeamKind.POLICY, "政策宣讲队"),
    (TeamKind.CULTURE, "文体娱乐队"),
    (TeamKind.HEALTH, "健康服务队"),
    (TeamKind.ENVIRONMENT, "环境保护队"),
    (TeamKind.ELDERLY, "助老服务队"),
    (TeamKind.MEDIATION, "矛盾调解队"),
]
TITLES = {
    TeamKind.POLICY: ["政策宣讲进楼栋", "反诈宣传", "垃圾分类政策解读"],
    TeamKind.CULTURE: ["广场舞展演", "书法兴趣课", "社区合唱排练"],
    TeamKind.HEALTH: ["健康义诊", "测血压血糖", "急救知识讲座"],
    TeamKind.ENVIRONMENT: ["清理楼道杂物", "河道捡拾垃圾", "绿地补种"],
    TeamKind.ELDERLY: ["探访独居老人", "助老送餐", "为老人理发"],
    TeamKind.MEDIATION: ["邻里纠纷调解日", "法律咨询", "物业协商会"],
}
LOGGED = ["陪老人就医", "帮邻居代购", "楼道清扫", "辅导孩子功课", "为老人读报"]


@dataclass(frozen=True)
class VolunteersResult:
    stations: int
    teams: int
    volunteers: int
    activities: int
    signups: int
    logged: int


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def write_volunteers(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> VolunteersResult:
    rng = random.Random(f"{plan.seed}-volunteers")
    district = areas[Level.DISTRICT][0]
    clerk = User.objects.get(username="district_admin")
    today = timezone.localdate()
    now = timezone.now()
    households: dict[int | None, list[int]] = {}
    for household in areas[Level.HOUSEHOLD]:
        households.setdefault(household.community_id, []).append(household.pk)
    _link_demo_volunteer(district, areas[Level.COMMUNITY][0])
    adults: dict[int | None, list[int]] = {}
    cutoff = today.replace(year=today.year - 18)
    for pk, community_id, user_id, born in (
        Person.objects.filter(district=district, anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "community_id", "user_id", "birth_date")
    ):
        if born is None or born <= cutoff or user_id is not None:
            adults.setdefault(community_id, []).append(pk)
    demo_person = Person.objects.filter(user__username="volunteer").values_list("pk", flat=True).first()

    stations, teams, volunteers = [], [], []
    for community in areas[Level.COMMUNITY]:
        station = actions.open_station(clerk, community, name=f"{community.name}志愿服务站", place="社区党群服务中心")
        stations.append(station)
        kinds = rng.sample(TEAMS, rng.randint(3, 6))
        station_teams = [actions.add_team(clerk, station, name=name, kind=kind) for kind, name in kinds]
        teams += station_teams
        pool = adults.get(community.pk, [])
        size = min(len(pool), max(MIN_VOLUNTEERS, round(len(pool) * VOLUNTEER_SHARE)))
        chosen = rng.sample(pool, size)
        if community.pk == areas[Level.COMMUNITY][0].pk and demo_person is not None and demo_person not in chosen:
            chosen = [demo_person, *chosen[1:]] if chosen else [demo_person]
            for pool_ in adults.values():
                if demo_person in pool_ and pool_ is not pool:
                    pool_.remove(demo_person)  # registered here, not with their own community's station
        volunteers.append((station, station_teams, chosen))

    rows = [
        Volunteer(
            district_id=district.pk,
            community_id=station.community_id,
            station=station,
            person_id=pk,
            joined_on=today - dt.timedelta(days=DAYS + rng.randint(0, 700)),
        )
        for station, _teams, chosen in volunteers
        for pk in chosen
    ]
    made = Volunteer.objects.bulk_create(rows, batch_size=1000)
    by_station: dict[int, list[Volunteer]] = {}
    for v in made:
        by_station.setdefault(v.station_id, []).append(v)
    through = ServiceTeam.members.through
    memberships = []
    for station, station_teams, _chosen in volunteers:
        for v in by_station.get(station.pk, []):
            for t in rng.sample(station_teams, rng.randint(1, 2)):
                memberships.append(through(serviceteam_id=t.pk, volunteer_id=v.pk))
    through.objects.bulk_create(memberships, batch_size=1000)

    activities = []
    for station, station_teams, _chosen in volunteers:
        day = today - dt.timedelta(days=DAYS - rng.randint(0, EVERY_DAYS))
        planned = 0
        while day <= today + dt.timedelta(days=14):
            future = day > today
            if future and planned >= UPCOMING:
                break
            planned += future
            team = rng.choice(station_teams)
            hour = rng.choice([9, 10, 14, 15])
            activities.append(
                Activity(
                    district_id=district.pk,
                    community_id=station.community_id,
                    station=station,
                    team=team,
                    title=rng.choice(TITLES[TeamKind(team.kind)]),
                    place=station.place,
                    starts_at=_at(day, hour),
                    ends_at=_at(day, hour + rng.choice([1, 2, 2, 3])),
                    capacity=rng.choice([5, 8, 10, 12]),
                    organiser=clerk,
                )
            )
            day += dt.timedelta(days=rng.randint(EVERY_DAYS - 3, EVERY_DAYS + 3))
    activities = Activity.objects.bulk_create(activities, batch_size=1000)

    signups, served = [], []
    for activity in activities:
        candidates = by_station.get(activity.station_id, [])
        past = activity.ends_at <= now
        wanted = min(len(candidates), activity.capacity + rng.randint(-3, 2))
        for index, member in enumerate(rng.sample(candidates, max(wanted, 0))):
            confirmed = index < activity.capacity
            status = SignUpStatus.CONFIRMED if confirmed else SignUpStatus.WAITING
            checked_in = checked_out = hours = None
            if past and confirmed and rng.random() < 0.9:
                checked_in = activity.starts_at + dt.timedelta(minutes=rng.randint(-20, 15))
                checked_out = activity.ends_at + dt.timedelta(minutes=rng.randint(-25, 20))
                hours = credited_hours(activity, checked_in, checked_out)
            signups.append((district.pk, activity.pk, member.pk, status, checked_in, checked_out, hours, now, now))
        if past:
            homes = households.get(activity.community_id, [])
            for home in rng.sample(homes, min(len(homes), rng.randint(0, 6))):
                served.append((activity.pk, home, now, now))
    insert_rows(
        SignUp,
        [
            "district_id",
            "activity_id",
            "volunteer_id",
            "status",
            "checked_in_at",
            "checked_out_at",
            "hours",
            "created_at",
            "updated_at",
        ],
        signups,
    )
    insert_rows(
        Attendee,
        ["activity_id", "household_id", "created_at", "updated_at"],
        list({(a, h): (a, h, c, u) for a, h, c, u in served}.values()),
    )

    logged = []
    for v in made:
        if rng.random() >= LOGGING_SHARE:
            continue
        for _ in range(rng.randint(1, 3)):
            approved = rng.random() < APPROVED_SHARE
            logged.append(
                (
                    district.pk,
                    v.community_id,
                    v.pk,
                    today - dt.timedelta(days=rng.randint(1, DAYS - 1)),
                    Decimal(rng.choice(["1.00", "1.50", "2.00", "3.00"])),
                    rng.choice(LOGGED),
                    HoursStatus.APPROVED if approved else HoursStatus.PENDING,
                    clerk.pk if approved else None,
                    now if approved else None,
                    now,
                    now,
                )
            )
    insert_rows(
        HoursLog,
        [
            "district_id",
            "community_id",
            "volunteer_id",
            "day",
            "hours",
            "what",
            "status",
            "decided_by_id",
            "decided_at",
            "created_at",
            "updated_at",
        ],
        logged,
    )
    return VolunteersResult(len(stations), len(teams), len(made), len(activities), len(signups), len(logged))


def _link_demo_volunteer(district: AreaNode, community: AreaNode) -> None:
    """The demo `volunteer` account is the registry person of its name (or, without one, the first
    person of community 0 without an account)."""
    user = User.objects.filter(username="volunteer").first()
    if user is None or Person.objects.filter(user=user).exists():
        return
    free = Person.objects.filter(district=district, user__isnull=True, anonymised_at__isnull=True).order_by("pk")
    person = free.filter(name=user.display_name).first() or free.filter(community=community).first()
    if person is not None:
        Person.objects.filter(pk=person.pk).update(user=user)
