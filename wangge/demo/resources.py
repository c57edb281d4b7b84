"""The demo district's shared facilities, their last four weeks of bookings, and its social
organisations with a project each: records, never figures.

Every resident unit opens one facility (a school its sports ground, a hospital its clinic, the
others a meeting room), open every day 8:00–20:00 and closed on statutory holidays, created
through `resources.actions` by the district administrator; the demo `resident_unit` account
acts for the unit of the first grid. Over the `DAYS` days before the build each open hour is
booked by the demo `resident` and checked in, so that utilisation (`resources.figures`) lands
near the reference district's 95 % for facilities in steady use (`STEADY_BOOKED`,
`STEADY_USED`); every `QUIET_EVERY`-th facility is used far less. Past bookings cannot go through
`actions.book` (it refuses the past), so they are written as the rows it would write, in one bulk
insert (not audited row by row, as field work's records).

Social organisations: 287 in the full-scale district (as in the reference district), scaled by
households for smaller ones, registered through `resources.social` with one project each.
Same seed → the same records.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.demo.blueprint import DistrictPlan
from wangge.orgs.models import ResidentUnit
from wangge.resources import actions, cobuilding, social
from wangge.resources.hours import open_periods
from wangge.resources.models import Booking, BookingStatus, FacilityKind, FilingStatus, MeetingKind, SocialOrgKind

DAYS = 28
STEADY_BOOKED = 0.985
STEADY_USED = 0.97  # of the booked hours
QUIET_EVERY = 7
QUIET_BOOKED = 0.55
FULL_ORGS = 287
FULL_HOUSEHOLDS = 100_000
EVERY_DAY_8_TO_20 = [actions.Hours(day, dt.time(8), dt.time(20)) for day in range(7)]
KINDS = {"学校": (FacilityKind.SPORTS_GROUND, "运动场"), "医院": (FacilityKind.CLINIC, "便民诊室")}
ORG_WORDS = ["为老服务中心", "助残服务社", "邻里互助会", "青少年成长服务社", "文体协会", "志愿服务队", "心理关爱服务站"]
ORG_KINDS = [
    SocialOrgKind.ELDERLY,
    SocialOrgKind.DISABILITY,
    SocialOrgKind.MUTUAL_AID,
    SocialOrgKind.CHILDREN,
    SocialOrgKind.CULTURE,
    SocialOrgKind.VOLUNTEERS,
    SocialOrgKind.OTHER,
]
PROJECTS = ["空巢老人助餐", "残疾人康复陪护", "四点半课堂", "邻里节", "独居老人探访"]


@dataclass(frozen=True)
class ResourcesResult:
    facilities: int
    bookings: int
    organisations: int
    agreements: int = 0
    meetings: int = 0


def write_resources(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> ResourcesResult:
    rng = random.Random(f"{plan.seed}-resources")
    district = areas[Level.DISTRICT][0]
    clerk = User.objects.get(username="district_admin")
    resident = User.objects.get(username="resident")
    grids = {grid.pk: grid for grid in areas[Level.GRID]}
    facilities = []
    for unit in ResidentUnit.objects.filter(district=district).order_by("pk"):
        kind, suffix = KINDS.get(unit.kind, (FacilityKind.MEETING_ROOM, "会议室"))
        facilities.append(
            actions.create_facility(
                clerk,
                area=grids.get(unit.grid_id or 0) or unit.area,
                name=f"{unit.name}{suffix}",
                kind=kind,
                owner_unit=unit,
                capacity=rng.choice([20, 40, 60, 100]),
                hours=EVERY_DAY_8_TO_20,
                needs_approval=kind == FacilityKind.CLINIC,
            )
        )
        if len(facilities) == 1:
            actions.add_unit_account(clerk, unit, User.objects.get(username="resident_unit"))
    today = timezone.localdate()
    periods = open_periods(facilities, today - dt.timedelta(days=DAYS), today - dt.timedelta(days=1))
    rows = []
    hour = dt.timedelta(hours=1)
    for n, facility in enumerate(facilities):
        booked_share = QUIET_BOOKED if n % QUIET_EVERY == QUIET_EVERY - 1 else STEADY_BOOKED
        for day_periods in periods[facility.pk].values():
            for opens, closes in day_periods:
                start = opens
                while start + hour <= closes:
                    if rng.random() < booked_share:
                        used = rng.random() < STEADY_USED
                        rows.append(
                            Booking(
                                district_id=district.pk,
                                community_id=facility.community_id,
                                facility=facility,
                                booked_by=resident,
                                starts_at=start,
                                ends_at=start + hour,
                                purpose="",
                                status=BookingStatus.CHECKED_IN if used else BookingStatus.NO_SHOW,
                                reminded_at=start - dt.timedelta(days=1),
                            )
                        )
                    start += hour
    Booking.objects.bulk_create(rows, batch_size=2000)
    households = len(areas[Level.HOUSEHOLD])
    organisations = max(len(areas[Level.COMMUNITY]), round(FULL_ORGS * households / FULL_HOUSEHOLDS))
    communities = areas[Level.COMMUNITY]
    for n in range(organisations):
        community = communities[n % len(communities)]
        word = n % len(ORG_WORDS)
        # A community's first organisations of each kind take the plain name, later ones a number.
        number = "" if n < len(communities) * len(ORG_WORDS) else str(n // (len(communities) * len(ORG_WORDS)) + 1)
        org = social.register_org(
            clerk,
            community=community,
            name=f"{community.name.removesuffix('社区')}{ORG_WORDS[word]}{number}",
            kind=ORG_KINDS[word],
            filing_status=FilingStatus.REGISTERED if rng.random() < 0.3 else FilingStatus.FILED,
            members=rng.randint(5, 80),
        )
        social.record_project(
            clerk,
            org,
            name=PROJECTS[n % len(PROJECTS)],
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
            budget=Decimal(rng.randint(1, 20) * 5000),
            beneficiaries=rng.randint(10, 200),
        )
    agreements, meetings = _co_building(clerk, communities, today)
    return ResourcesResult(
        facilities=len(facilities),
        bookings=len(rows),
        organisations=organisations,
        agreements=agreements,
        meetings=meetings,
    )


def _co_building(clerk: User, communities: list[AreaNode], today: dt.date) -> tuple[int, int]:
    """Co-building in each community with a resident unit: an agreement for the year with its
    first unit, a joint meeting six weeks ago whose two decisions are done, and a residents'
    consultation last week whose decision is still open (given to the community's demo staff
    account in community 0, to the district's administrator elsewhere)."""
    staff = User.objects.filter(username="community_staff").first()
    first_units: dict[int, ResidentUnit] = {}
    for found in ResidentUnit.objects.filter(community__in=communities, closed_on__isnull=True).order_by("pk"):
        first_units.setdefault(found.community_id or 0, found)
    agreements = meetings = 0
    for n, community in enumerate(communities):
        if community.pk not in first_units:
            continue
        unit = first_units[community.pk]
        owner = staff if n == 0 and staff is not None else clerk
        cobuilding.sign_agreement(
            clerk,
            community=community,
            unit=unit,
            unit_commits="开放场地供居民活动；每季度组织职工志愿者进社区服务一次",
            community_commits="协助做好场地开放期间的秩序维护和安全提示",
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
        )
        joint = cobuilding.record_meeting(
            clerk,
            community=community,
            kind=MeetingKind.JOINT_MEETING,
            held_on=today - dt.timedelta(days=42),
            participants=f"社区党委、{unit.name}、网格长代表",
            matters="共享场地开放时段；停车难问题",
            minutes="议定延长周末开放时间，增设临时停车位。",
            units=[unit],
        )
        for text in ("周末场地开放延长至20:00", "在单位内部增设20个居民临时停车位"):
            decision = cobuilding.add_decision(
                clerk, joint, text=text, owner=owner, due_on=today - dt.timedelta(days=14)
            )
            cobuilding.finish_decision(clerk, decision, "已落实")
        consultation = cobuilding.record_meeting(
            clerk,
            community=community,
            kind=MeetingKind.CONSULTATION,
            held_on=today - dt.timedelta(days=7),
            participants="居民代表、楼栋长、网格员",
            matters="小区加装电梯意见征集",
            minutes="多数居民同意先行试点一个单元。",
        )
        cobuilding.add_decision(
            clerk, consultation, text="完成试点单元住户意见书面确认", owner=owner, due_on=today + dt.timedelta(days=21)
        )
        agreements += 1
        meetings += 2
    return agreements, meetings
