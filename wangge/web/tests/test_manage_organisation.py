"""The organisation settings page (/manage/organisation/): the district administrator renames
a level, lists the resident units with a search, adds, corrects and closes one. Another
district's administrator, community staff and grid workers find no such page, district or unit
(404). The page costs the same queries however many resident units there are."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs import actions
from wangge.orgs.models import ResidentUnit, UnitKind
from wangge.orgs.queries import kind_labels

URL = "/manage/organisation/"


@pytest.fixture
def other_admin(db):
    return make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district("U").district)


@pytest.fixture
def school(small):
    return actions.create_resident_unit(None, area=small.grids[0], name="第一中学", kind="学校", address="学府路1号")


def test_url_names():
    assert reverse("manage_organisation") == URL
    assert reverse("org_resident_unit_edit", args=[4]) == "/manage/organisation/resident-units/4/"


def test_the_district_admin_sees_level_names_and_resident_units(client, district_admin, small, school):
    actions.set_level_name(None, district=small.district, kind=UnitKind.GRID_BRANCH, name="网格党支部")
    client.force_login(district_admin)
    html = client.get(URL).content.decode()
    assert 'value="网格党支部"' in html and f'id="resident-unit-{school.pk}"' in html
    assert "学府路1号" in html and "社区1第1网格" in html


def test_the_district_admin_sets_a_level_name_through_the_page(client, district_admin, small):
    client.force_login(district_admin)
    response = client.post(
        reverse("org_level_name_set"), {"district": small.district.pk, "kind": "building_cell", "name": "楼栋党小组"}
    )
    assert response.status_code == 302
    assert kind_labels(small.district.pk)["building_cell"] == "楼栋党小组"
    assert AuditEvent.objects.filter(action=AuditAction.ORG_SETTINGS_CHANGED, actor=district_admin).count() == 1


def test_the_district_admin_adds_edits_searches_and_closes_a_resident_unit(client, district_admin, small, school):
    client.force_login(district_admin)
    client.post(
        reverse("org_resident_unit_create"),
        {
            "district": small.district.pk,
            "name": "区人民医院",
            "kind": "医院",
            "area": small.communities[1].pk,
            "address": "健康路",
        },
    )
    hospital = ResidentUnit.objects.get(name="区人民医院")
    assert hospital.community_id == small.communities[1].pk

    found = client.get(URL, {"q": "医院"}).content.decode()
    assert f'id="resident-unit-{hospital.pk}"' in found and f'id="resident-unit-{school.pk}"' not in found

    assert client.get(reverse("org_resident_unit_edit", args=[hospital.pk])).status_code == 200
    client.post(
        reverse("org_resident_unit_edit", args=[hospital.pk]),
        {"name": "区第一人民医院", "kind": "医院", "area": small.grids[2].pk, "address": "健康路1号"},
    )
    hospital.refresh_from_db()
    assert (hospital.name, hospital.grid_id, hospital.address) == ("区第一人民医院", small.grids[2].pk, "健康路1号")

    client.post(reverse("org_resident_unit_close", args=[hospital.pk]))
    hospital.refresh_from_db()
    assert hospital.closed_on is not None
    listed = client.get(URL).content.decode()
    assert f'id="resident-unit-{hospital.pk}"' not in listed  # closed units only on asking
    assert f'id="resident-unit-{hospital.pk}"' in client.get(URL, {"closed": "1"}).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ORG_SETTINGS_CHANGED, actor=district_admin).count() == 3


def test_a_bad_name_is_a_message_and_nothing_is_written(client, district_admin, small):
    client.force_login(district_admin)
    response = client.post(
        reverse("org_resident_unit_create"),
        {"district": small.district.pk, "name": " ", "area": small.grids[0].pk},
        follow=True,
    )
    assert [m.tags for m in response.context["messages"]] == ["resident_unit_name_invalid error"]
    assert not ResidentUnit.objects.exists()


@pytest.mark.parametrize("persona", ["other_admin", "community_staff", "worker_a"])
def test_outsiders_find_no_such_page_district_or_unit(client, request, persona, small, school):
    client.force_login(request.getfixturevalue(persona))
    district = {"district": small.district.pk}
    if persona == "other_admin":
        page = client.get(URL)
        assert page.status_code == 200 and "第一中学" not in page.content.decode()
    assert client.get(URL, district).status_code == 404
    assert (
        client.post(reverse("org_level_name_set"), {**district, "kind": "grid_branch", "name": "x"}).status_code == 404
    )
    form = {**district, "name": "x", "area": small.grids[0].pk}
    assert client.post(reverse("org_resident_unit_create"), form).status_code == 404
    assert client.get(reverse("org_resident_unit_edit", args=[school.pk])).status_code == 404
    assert client.post(reverse("org_resident_unit_edit", args=[school.pk]), form).status_code == 404
    assert client.post(reverse("org_resident_unit_close", args=[school.pk])).status_code == 404
    school.refresh_from_db()
    assert (school.name, school.closed_on) == ("第一中学", None) and ResidentUnit.objects.count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.ORG_SETTINGS_CHANGED).exclude(actor=None).exists()


def test_the_page_costs_the_same_queries_with_more_resident_units(client, district_admin, small, school):
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for n in range(60):  # past one page
        actions.create_resident_unit(None, area=small.grids[n % 4], name=f"单位{n:02d}", kind="企业")
    with count_queries() as many:
        response = client.get(URL)
    assert response.status_code == 200 and response.content.decode().count('id="resident-unit-') == 50
    assert_flat(few, many, at_most=12)
