"""The staff roster: one row a user — 用户名, 姓名, 角色, 区域 (a community or grid by name, or
none for a district role), 单位 (a handling unit of the district), 手机 — as users with their
role, unit membership, and (for the grid roles) a worker profile (docs/import.md, "Onboarding
a district").

- A new user gets a first-login password, shown once in the report of the commit
  (`report.passwords`) and never stored in clear, and must change it at the first login.
- The staff member is registered as a person with the phone number, encrypted at rest by the
  registry (`add_persons`); grid secretaries, leaders and workers get a worker profile in
  their grid (`add_workers`). The phone number is never printed, logged or audited.
- A user name that exists with a role in this district is the same user: what the row adds
  (the role, the unit) is added, nothing else changes (a differing name is a warning), and
  a row that adds nothing is unchanged. A user name taken by a user of no role here is refused.
"""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.actions import assign_role, create_user, one_time_password
from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.cases.actions.units import add_unit_staff
from wangge.cases.models import HandlingUnit
from wangge.lib.errors import Invalid
from wangge.lib.idnumber import parse_phone
from wangge.lib.matching import norm
from wangge.lib.text import clean_text
from wangge.onboarding.common import check_may_onboard, limited, needed, read_into, record_import
from wangge.onboarding.errors import OnboardingError, OnboardingWarning
from wangge.onboarding.files import Column
from wangge.onboarding.places import DistrictPlaces, Place
from wangge.onboarding.report import OnboardingReport
from wangge.people.actions.registry import PersonInput, add_workers, create_persons
from wangge.people.models import Person, WorkerKind

COLUMNS = {
    c.name: c
    for c in (
        Column("username", gettext_lazy("user name"), ("用户名", "账号", "帐号", "登录名", "登录账号", "用户账号")),
        Column("name", gettext_lazy("full name"), ("姓名", "名字", "人员姓名", "真实姓名")),
        Column("role", gettext_lazy("role"), ("角色", "岗位", "职务", "人员类型", "人员角色")),
        Column(
            "area",
            gettext_lazy("area"),
            ("区域", "所属区域", "管辖区域", "负责区域", "所在区域", "所属社区/网格", "社区/网格", "负责网格"),
        ),
        Column("unit", gettext_lazy("handling unit"), ("单位", "所属单位", "部门", "所属部门", "办理单位")),
        Column("phone", gettext_lazy("phone"), ("手机", "手机号", "手机号码", "联系电话", "电话", "联系方式")),
    )
}
REQUIRED = (("username",), ("name",), ("role",))

# The level of the area each role is given at.
ROLE_LEVEL: dict[str, str] = {
    Role.DISTRICT_ADMIN: Level.DISTRICT,
    Role.DEPARTMENT: Level.DISTRICT,
    Role.SUPERVISOR: Level.DISTRICT,
    Role.COMMUNITY_STAFF: Level.COMMUNITY,
    Role.GRID_SECRETARY: Level.GRID,
    Role.GRID_LEADER: Level.GRID,
    Role.GRID_WORKER: Level.GRID,
}
WORKER_KIND: dict[str, str] = {
    Role.GRID_SECRETARY: WorkerKind.GRID_SECRETARY,
    Role.GRID_LEADER: WorkerKind.GRID_LEADER,
    Role.GRID_WORKER: WorkerKind.GRID_WORKER,
}
ROLE_WORDS = {
    **dict.fromkeys(["区级管理员", "区管理员", "管理员", "区县管理员", "系统管理员"], Role.DISTRICT_ADMIN),
    **dict.fromkeys(
        ["社区工作人员", "社区干部", "社区人员", "社区工作者", "社区专职工作者", "社区居委会工作人员", "社区两委"],
        Role.COMMUNITY_STAFF,
    ),
    **dict.fromkeys(["网格书记", "网格党支部书记", "网格党总支书记"], Role.GRID_SECRETARY),
    **dict.fromkeys(["网格长"], Role.GRID_LEADER),
    **dict.fromkeys(["网格员", "专职网格员", "兼职网格员", "网格工作人员"], Role.GRID_WORKER),
    **dict.fromkeys(["职能部门", "部门人员", "部门工作人员", "职能部门工作人员", "部门"], Role.DEPARTMENT),
    **dict.fromkeys(["督查", "督办", "督导", "督查人员", "督办人员"], Role.SUPERVISOR),
}


def _role_words() -> dict[str, str]:
    words: dict[str, str] = {norm(k): v for k, v in ROLE_WORDS.items()}
    for role in map(Role, ROLE_LEVEL):
        words[norm(role.value)] = role
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words[norm(str(role.label))] = role
    return words


def role_of(text: str, words: dict[str, str]) -> str:
    role = words.get(norm(text))
    if role is None:
        raise Invalid(
            OnboardingError.UNKNOWN_ROLE,
            _("“%(value)s” is not a role of the staff; use e.g. 社区工作人员, 网格书记, 网格长, 网格员 or 职能部门.")
            % {"value": text},
        )
    return role


@dataclass
class StaffRow:
    number: int
    username: str
    name: str
    role: str
    area: Place | None  # None: the district
    unit: HandlingUnit | None
    phone: str
    user: User | None  # the existing user


class Units:
    """The district's handling units by name."""

    def __init__(self, district: AreaNode) -> None:
        self.by_name: dict[str, list[HandlingUnit]] = {}
        for unit in HandlingUnit.objects.filter(district=district):
            self.by_name.setdefault(norm(unit.name), []).append(unit)
        self.district = district

    def find(self, text: str) -> HandlingUnit:
        found = self.by_name.get(norm(text), [])
        if len(found) == 1:
            return found[0]
        raise Invalid(
            OnboardingError.UNKNOWN_UNIT,
            _("No handling unit of %(district)s is called “%(name)s”; create it first or use its name as shown.")
            % {"name": text, "district": self.district.name},
        )


def _parse(
    cells: dict[str, str],
    places: DistrictPlaces,
    units: Units,
    words: dict[str, str],
    validator: UnicodeUsernameValidator,
) -> tuple[str, str, str, Place | None, HandlingUnit | None, str]:
    username = limited(needed(cells, "username", COLUMNS["username"]), COLUMNS["username"], 150)
    try:
        validator(username)
    except ValidationError:
        raise Invalid(
            OnboardingError.USERNAME_INVALID,
            _("A user name may hold letters, digits and @ . + - _ only."),
        ) from None
    name = clean_text(needed(cells, "name", COLUMNS["name"], 100))
    role = role_of(needed(cells, "role", COLUMNS["role"]), words)
    level = ROLE_LEVEL[role]
    area = places.area(cells["area"]) if cells.get("area") else None
    if level != Level.DISTRICT and not cells.get("area"):
        needed(cells, "area", COLUMNS["area"])
    if (area.level if area is not None else Level.DISTRICT) != level:
        raise Invalid(
            OnboardingError.AREA_LEVEL,
            _("A %(role)s is given a %(level)s as the area, not “%(area)s”.")
            % {
                "role": Role(role).label,
                "level": Level(level).label,
                "area": places.label(area) if area is not None else places.district.name,
            },
        )
    unit = units.find(cells["unit"]) if cells.get("unit") else None
    if role == Role.DEPARTMENT and unit is None:
        raise Invalid(OnboardingError.UNIT_REQUIRED, _("The staff of a functional department need their unit."))
    phone = ""
    if cells.get("phone"):
        try:
            phone = parse_phone(cells["phone"])
        except Invalid:
            raise Invalid(OnboardingError.BAD_PHONE, _("The phone number must have 7 to 15 digits.")) from None
    return username, name, role, area, unit, phone


def import_staff(
    acting_user: User | None, *, district: AreaNode, path: str | Path, commit: bool = False
) -> OnboardingReport:
    """Check the staff roster and, with `commit` and no problem, create the users, their roles,
    unit memberships, persons and worker profiles (all or none). `report.passwords`: the
    first-login password of each user created (committed only)."""
    check_may_onboard(acting_user, district)
    report = OnboardingReport("staff")
    sheet = read_into(report, path, list(COLUMNS.values()), REQUIRED)
    if sheet is None:
        return report
    places = DistrictPlaces(district, down_to=Level.GRID)
    units = Units(district)
    words = _role_words()
    validator = UnicodeUsernameValidator()
    usernames = {cells.get("username", "") for _n, cells in sheet.rows}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    assignments: set[tuple[int, str, int]] = set()
    in_district: set[int] = set()
    for user_id, role, area_id in RoleAssignment.objects.filter(district=district, user__in=users.values()).values_list(
        "user_id", "role", "area_id"
    ):
        assignments.add((user_id, role, area_id))
        in_district.add(user_id)
    memberships = set(
        HandlingUnit.users.through.objects.filter(handlingunit__district=district, user__in=users.values()).values_list(
            "handlingunit_id", "user_id"
        )
    )
    rows: list[StaffRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in sheet.rows:
        try:
            username, name, role, area, unit, phone = _parse(cells, places, units, words, validator)
        except Invalid as problem:
            report.problem(number, problem.code, problem.message)
            continue
        if username in first_row_of:
            report.problem(
                number,
                OnboardingError.DUPLICATE_USERNAME,
                _("The same user name as row %(row)d.") % {"row": first_row_of[username]},
            )
            continue
        first_row_of[username] = number
        user = users.get(username)
        if user is not None and user.pk not in in_district:
            report.problem(
                number,
                OnboardingError.USERNAME_TAKEN,
                _("The user name “%(name)s” is taken by a user outside this district; choose another.")
                % {"name": username},
            )
            continue
        rows.append(StaffRow(number, username, name, role, area, unit, phone, user))

    area_pk = {row.number: row.area.pk if row.area is not None else district.pk for row in rows}
    new_users = [row for row in rows if row.user is None]
    new_roles = [
        row for row in rows if row.user is None or (row.user.pk, row.role, area_pk[row.number]) not in assignments
    ]
    new_members = [
        row
        for row in rows
        if row.unit is not None and (row.user is None or (row.unit.pk, row.user.pk) not in memberships)
    ]
    adding = {row.number for row in new_roles} | {row.number for row in new_members}
    for row in rows:
        if row.user is not None:
            if row.user.display_name and row.user.display_name != row.name:
                report.warn(
                    row.number,
                    OnboardingWarning.NAME_DIFFERS,
                    _("The user “%(username)s” exists under another name; the name is not changed.")
                    % {"username": row.username},
                )
            if row.number not in adding:
                report.unchanged += 1
    report.count("users", len(new_users))
    report.count("roles", len(new_roles))
    report.count("unit_staff", len(new_members))
    report.count("persons", len(new_users))
    report.count("workers", sum(1 for row in new_users if row.role in WORKER_KIND))
    if commit and report.ok:
        with transaction.atomic():
            passwords = _write(acting_user, district, rows, new_users, new_roles, new_members, area_pk)
            record_import(acting_user, district, report)
        report.passwords = passwords
        report.committed = True
    return report


def _write(
    acting_user: User | None,
    district: AreaNode,
    rows: list[StaffRow],
    new_users: list[StaffRow],
    new_roles: list[StaffRow],
    new_members: list[StaffRow],
    area_pk: dict[int, int],
) -> dict[str, str]:
    areas = AreaNode.objects.in_bulk({area_pk[row.number] for row in rows})
    passwords: dict[str, str] = {}
    for row in new_users:
        password = one_time_password()
        # With its first role: a new user must fall within what the importing administrator manages.
        user = create_user(
            acting_user,
            username=row.username,
            password=password,
            display_name=row.name,
            role=row.role,
            area=areas[area_pk[row.number]],
            must_change_password=True,
        )
        row.user = user
        passwords[row.username] = password
    for row in new_roles:
        assert row.user is not None  # noqa: S101 (created above)
        assign_role(acting_user, user=row.user, role=row.role, area=areas[area_pk[row.number]])
    for row in new_members:
        assert row.unit is not None  # noqa: S101 (rows with a unit only)
        add_unit_staff(acting_user, row.unit, username=row.username)
    persons = create_persons(
        acting_user, district=district, people=[PersonInput(name=row.name, phone=row.phone) for row in new_users]
    )
    # Each new user's registry person is theirs: notices meant for the person reach the account.
    for person, row in zip(persons, new_users, strict=True):
        person.user = row.user
    Person.objects.bulk_update(persons, ["user"])
    add_workers(
        acting_user,
        [
            (person, WORKER_KIND[row.role], areas[area_pk[row.number]])
            for person, row in zip(persons, new_users, strict=True)
            if row.role in WORKER_KIND
        ],
    )
    return passwords
