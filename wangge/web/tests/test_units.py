"""The page of the handling units' staff: the district administrator sees every unit of the
district with its staff, adds a user by name and removes one; for anyone else it does not
exist (404). Its queries stay flat as units and staff are added."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import HandlingUnit, UnitKind
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import zh

URL = "/units/"


@pytest.fixture
def units(small, catalogue) -> dict[str, HandlingUnit]:
    return {u.name: u for u in HandlingUnit.objects.filter(district=small.district)}


@pytest.fixture
def other_admin(db):
    """The administrator of another district, which has its own departments."""
    other = build_small_district("U")
    install_default_catalogue(other.district)
    return make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)


def test_url_names():
    assert reverse("units") == URL
    assert reverse("unit_staff_add", args=[3]) == "/units/3/staff/"
    assert reverse("unit_staff_remove", args=[3, 7]) == "/units/3/staff/7/remove/"


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_district_admin_sees_every_unit_with_its_staff(client, district_admin, dept_a, units, other_admin):
    client.force_login(district_admin)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for name in units:
        assert f'id="unit-{units[name].pk}"' in html
    assert "dept_a" in html  # 城市管理局's staff
    assert html.count(zh("Nobody: its cases wait for ever")) == len(units) - 1
    assert 'list="staff-candidates-' in html and '<option value="admin_d">' in html
    other = HandlingUnit.objects.exclude(district=units["民政局"].district).first()
    assert f'id="unit-{other.pk}"' not in html  # another district's units are not listed


def test_the_district_admin_adds_and_removes_staff_through_the_page(client, district_admin, units, small):
    newcomer = make_persona("zhujian_wang", Role.DEPARTMENT, small.district)
    unit = units["住房和城乡建设局"]
    client.force_login(district_admin)
    response = client.post(reverse("unit_staff_add", args=[unit.pk]), {"username": "zhujian_wang"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{URL}#unit-{unit.pk}"
    assert list(unit.users.all()) == [newcomer]
    assert "zhujian_wang" in response.content.decode()

    # A name without a role in the district: a clear message, nothing changes.
    refused = client.post(reverse("unit_staff_add", args=[unit.pk]), {"username": "no_such_user"}, follow=True)
    messages = list(refused.context["messages"])
    assert [m.tags for m in messages] == ["staff_user_unknown error"]
    assert "no_such_user" in messages[0].message and list(unit.users.all()) == [newcomer]

    client.post(reverse("unit_staff_remove", args=[unit.pk, newcomer.pk]))
    assert not unit.users.exists()
    assert AuditEvent.objects.filter(object_type="cases.handlingunit", actor=district_admin).count() == 2


@pytest.mark.parametrize("persona", ["community_staff", "worker_a", "dept_b", "resident"])
def test_other_roles_find_no_such_page(client, request, persona, units, dept_a):
    client.force_login(request.getfixturevalue(persona))
    unit = units["城市管理局"]
    assert client.get(URL).status_code == 404
    assert client.post(reverse("unit_staff_add", args=[unit.pk]), {"username": "worker_a"}).status_code == 404
    assert client.post(reverse("unit_staff_remove", args=[unit.pk, dept_a.pk])).status_code == 404
    assert list(unit.users.all()) == [dept_a]


def test_another_districts_admin_cannot_touch_this_districts_units(client, other_admin, units, dept_a):
    client.force_login(other_admin)
    page = client.get(URL)
    assert page.status_code == 200 and f'id="unit-{units["城市管理局"].pk}"' not in page.content.decode()
    unit = units["城市管理局"]
    assert client.post(reverse("unit_staff_add", args=[unit.pk]), {"username": "admin_u"}).status_code == 404
    assert client.post(reverse("unit_staff_remove", args=[unit.pk, dept_a.pk])).status_code == 404
    assert list(unit.users.all()) == [dept_a]


def test_the_page_costs_the_same_queries_with_more_units_and_staff(client, district_admin, units, small):
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for n in range(4):
        unit = HandlingUnit.objects.create(district=small.district, kind=UnitKind.COMMUNITY, name=f"社区单位{n}")
        for k in range(3):
            unit.users.add(make_persona(f"staff_{n}_{k}", Role.COMMUNITY_STAFF, small.communities[n % 2]))
    with count_queries() as many:
        assert client.get(URL).status_code == 200
    assert_flat(few, many, at_most=12)
    print(f"units page: {len(many)} queries")


def test_the_district_admin_creates_a_unit_and_renames_it_through_the_page(client, district_admin, small, units):
    client.force_login(district_admin)
    response = client.post(
        reverse("unit_create"),
        {"district": small.district.pk, "kind": "community", "name": "社区1居委会", "area": small.communities[0].pk},
        follow=True,
    )
    unit = HandlingUnit.objects.get(district=small.district, name="社区1居委会")
    assert response.redirect_chain[-1][0] == f"{URL}#unit-{unit.pk}"
    assert unit.area == small.communities[0] and f'id="unit-{unit.pk}"' in response.content.decode()

    client.post(reverse("unit_update", args=[unit.pk]), {"name": "社区一居委会", "area": ""}, follow=True)
    unit.refresh_from_db()
    assert (unit.name, unit.area) == ("社区一居委会", None)

    refused = client.post(
        reverse("unit_create"), {"district": small.district.pk, "kind": "department", "name": "民政局"}, follow=True
    )
    assert [m.tags for m in refused.context["messages"]] == ["unit_name_taken error"]
    assert HandlingUnit.objects.filter(district=small.district, name="民政局").count() == 1
    assert AuditEvent.objects.filter(action="unit_changed", actor=district_admin).count() == 2


def test_units_cannot_be_created_or_renamed_in_another_district(client, other_admin, units, small):
    client.force_login(other_admin)
    unit = units["民政局"]
    assert (
        client.post(reverse("unit_create"), {"district": small.district.pk, "kind": "street", "name": "x"}).status_code
        == 404
    )
    assert client.post(reverse("unit_update", args=[unit.pk]), {"name": "x"}).status_code == 404
    other_district = HandlingUnit.objects.exclude(district=small.district).first().district
    # Its own district, but a community of this one: no such area.
    assert (
        client.post(
            reverse("unit_create"),
            {"district": other_district.pk, "kind": "community", "name": "x", "area": small.communities[0].pk},
        ).status_code
        == 404
    )
    unit.refresh_from_db()
    assert unit.name == "民政局" and not HandlingUnit.objects.filter(name="x").exists()


@pytest.mark.parametrize("persona", ["community_staff", "worker_a"])
def test_other_roles_cannot_create_or_rename_units(client, request, persona, units, small):
    client.force_login(request.getfixturevalue(persona))
    assert (
        client.post(reverse("unit_create"), {"district": small.district.pk, "kind": "street", "name": "x"}).status_code
        == 404
    )
    assert client.post(reverse("unit_update", args=[units["民政局"].pk]), {"name": "x"}).status_code == 404
