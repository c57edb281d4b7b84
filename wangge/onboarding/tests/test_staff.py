"""The staff roster: users with their roles, units, persons and worker profiles, and
first-login passwords shown once."""

import copy

import pytest
from django.db import connection

from wangge.accounts.actions import assign_role, create_user
from wangge.accounts.models import AuditAction, AuditEvent, Role, RoleAssignment, User
from wangge.conftest import PASSWORD
from wangge.lib.errors import DomainError
from wangge.onboarding.staff import import_staff
from wangge.onboarding.tests.factories import FILES, STAFF_HEADER, STAFF_PHONES, STAFF_ROWS, write_table
from wangge.people.models import Person, WorkerKind, WorkerProfile

STAFF = FILES / "staff.xlsx"
FIRST_ROW = 3
USERNAMES = [row[0] for row in STAFF_ROWS]


def test_a_dry_run_says_what_it_would_create_and_writes_nothing(xinqu, xinqu_admin):
    users_before = User.objects.count()

    report = import_staff(xinqu_admin, district=xinqu.district, path=STAFF)

    assert report.ok, report.problems
    assert report.rows == 8
    assert report.created == {"users": 8, "roles": 8, "unit_staff": 2, "persons": 8, "workers": 4}
    assert not report.committed
    assert report.passwords == {}
    assert User.objects.count() == users_before
    assert not Person.objects.filter(district=xinqu.district).exists()


def test_a_commit_creates_the_users_with_their_roles_units_persons_and_worker_profiles(xinqu, xinqu_admin):
    report = import_staff(xinqu_admin, district=xinqu.district, path=STAFF, commit=True)

    assert report.ok and report.committed
    users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    assert set(users) == set(USERNAMES)
    assert users["xq_dh_staff"].display_name == "陈东湖"
    roles = set(RoleAssignment.objects.filter(user__in=users.values()).values_list("user__username", "role", "area"))
    assert ("xq_dh_staff", Role.COMMUNITY_STAFF, xinqu.communities[0].pk) in roles
    assert ("xq_xs_g2", Role.GRID_WORKER, xinqu.grids[3].pk) in roles
    assert ("xq_zjj_1", Role.DEPARTMENT, xinqu.district.pk) in roles
    assert len(roles) == 8
    assert set(xinqu.department.users.values_list("username", flat=True)) == {"xq_zjj_1", "xq_zjj_2"}
    assert Person.objects.filter(district=xinqu.district).count() == 8
    # Each user's registry person is linked to the account (notices meant for the person reach it).
    linked = dict(Person.objects.filter(district=xinqu.district).values_list("user__username", "name"))
    assert set(linked) == set(USERNAMES) and linked["xq_dh_staff"] == "陈东湖"
    workers = WorkerProfile.objects.filter(district=xinqu.district)
    assert {(w.kind, w.grid_id) for w in workers} == {(WorkerKind.GRID_WORKER, g.pk) for g in xinqu.grids}


def test_the_created_users_must_change_the_password_shown_once(xinqu, xinqu_admin):
    report = import_staff(xinqu_admin, district=xinqu.district, path=STAFF, commit=True)

    assert set(report.passwords) == set(USERNAMES)
    assert len(set(report.passwords.values())) == 8
    for user in User.objects.filter(username__in=USERNAMES):
        assert user.must_change_password
        assert user.check_password(report.passwords[user.username])
    assert "passwords" not in report.as_json()


def test_staff_phone_numbers_are_stored_encrypted_never_in_clear(xinqu, xinqu_admin):
    report = import_staff(xinqu_admin, district=xinqu.district, path=STAFF, commit=True)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone_encrypted, phone_masked, phone_index FROM people_person WHERE district_id = %s",
            [xinqu.district.pk],
        )
        stored = cursor.fetchall()
    assert len(stored) == 8
    for _name, encrypted, masked, index in stored:
        raw = bytes(encrypted)
        assert raw and index
        for phone in STAFF_PHONES:
            assert phone.encode() not in raw
            assert phone not in masked and phone not in index
    assert all(phone not in str(report.as_json()) for phone in STAFF_PHONES)
    event = AuditEvent.objects.get(action=AuditAction.ONBOARDING_IMPORTED)
    assert event.detail["kind"] == "staff"
    assert all(phone not in str(event.detail) for phone in STAFF_PHONES)
    assert all(name not in str(event.detail) for name in USERNAMES)


def test_a_second_run_of_the_same_roster_changes_nothing(xinqu, xinqu_admin):
    import_staff(xinqu_admin, district=xinqu.district, path=STAFF, commit=True)
    counts = (User.objects.count(), RoleAssignment.objects.count(), Person.objects.count())

    again = import_staff(xinqu_admin, district=xinqu.district, path=STAFF, commit=True)

    assert again.ok and again.committed
    assert again.unchanged == again.rows == 8
    assert set(again.created.values()) == {0}
    assert again.passwords == {}
    assert (User.objects.count(), RoleAssignment.objects.count(), Person.objects.count()) == counts


def _with(tmp_path, index: int, column: str, value):
    rows = copy.deepcopy(STAFF_ROWS)
    rows[index][STAFF_HEADER.index(column)] = value
    return write_table(tmp_path / "bad_staff.xlsx", STAFF_HEADER, rows, title="新区工作人员名册")


@pytest.mark.parametrize(
    ("index", "column", "value", "code"),
    [
        (2, "角色", "片长", "unknown_role"),
        (2, "区域", "第1网格", "area_ambiguous"),
        (3, "区域", "南湖社区", "unknown_area"),
        (4, "手机", "12345", "bad_phone"),
        (5, "区域", "西山社区", "area_level"),
        (6, "单位", "", "unit_required"),
        (7, "单位", "规划局", "unknown_unit"),
        (1, "用户名", "xq dh staff", "username_invalid"),
        (1, "用户名", "xq_dh_staff", "duplicate_username"),
        (0, "姓名", "", "value_missing"),
    ],
)
def test_a_bad_row_stops_the_whole_commit_and_is_named_by_its_row(
    xinqu, xinqu_admin, tmp_path, index, column, value, code
):
    users_before = User.objects.count()

    report = import_staff(xinqu_admin, district=xinqu.district, path=_with(tmp_path, index, column, value), commit=True)

    assert [(p.row, p.code) for p in report.problems] == [(FIRST_ROW + index, code)]
    assert not report.committed and report.passwords == {}
    assert User.objects.count() == users_before
    assert not Person.objects.filter(district=xinqu.district).exists()
    assert not xinqu.department.users.exists()


def test_an_ambiguous_area_names_its_candidates(xinqu, xinqu_admin, tmp_path):
    report = import_staff(xinqu_admin, district=xinqu.district, path=_with(tmp_path, 2, "区域", "第1网格"))

    message = report.problems[0].message
    assert "东湖社区第1网格" in message and "西山社区第1网格" in message


def test_a_bad_phone_is_not_repeated_in_its_message(xinqu, xinqu_admin, tmp_path):
    report = import_staff(xinqu_admin, district=xinqu.district, path=_with(tmp_path, 4, "手机", "139-123"))

    assert report.problems[0].code == "bad_phone"
    assert "139" not in report.problems[0].message


def test_a_user_name_taken_outside_the_district_is_refused(xinqu, xinqu_admin, small, tmp_path):
    stranger = create_user(None, username="xq_dh_g1", password=PASSWORD)
    assign_role(None, user=stranger, role=Role.GRID_WORKER, area=small.grids[0])

    report = import_staff(xinqu_admin, district=xinqu.district, path=STAFF)

    assert [(p.row, p.code) for p in report.problems] == [(FIRST_ROW + 2, "username_taken")]


def test_an_existing_user_of_the_district_gets_only_what_the_row_adds(xinqu, xinqu_admin):
    user = create_user(None, username="xq_dh_g1", password=PASSWORD, display_name="王一格")
    assign_role(None, user=user, role=Role.GRID_WORKER, area=xinqu.grids[1])

    report = import_staff(xinqu_admin, district=xinqu.district, path=STAFF, commit=True)

    assert report.committed
    assert report.created["users"] == 7 and report.created["roles"] == 8
    assert "xq_dh_g1" not in report.passwords
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.must_change_password
    assert set(RoleAssignment.objects.filter(user=user).values_list("area", flat=True)) == {
        xinqu.grids[0].pk,
        xinqu.grids[1].pk,
    }


def test_only_the_districts_administrators_import_its_staff(xinqu, community_staff):
    with pytest.raises(DomainError) as error:
        import_staff(community_staff, district=xinqu.district, path=STAFF)
    assert error.value.status == 404
