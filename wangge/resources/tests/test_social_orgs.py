"""The social organisations registry and projects: registered by the community's staff, the
contact's phone encrypted at rest and masked in the API, projects with beneficiaries from the
registry (in the person's access report, forgotten on anonymisation), scope over two
communities, flat queries."""

import datetime as dt
from decimal import Decimal

import pytest

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.api.testing import assert_error, bearer_client
from wangge.conftest import make_persona
from wangge.lib.crypto import decrypt_field
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.actions import create_horizontal_unit
from wangge.people.holders import held_about
from wangge.people.tests.factories import resident as registry_person
from wangge.resources import social
from wangge.resources.errors import ResourceError
from wangge.resources.holder import forget
from wangge.resources.models import FilingStatus, ProjectBeneficiary, SocialOrgContact, SocialOrgKind

PHONE = "13912345678"


def org(user, community, name: str = "为老服务中心", **fields):
    return social.register_org(
        user,
        community=community,
        name=name,
        kind=fields.pop("kind", SocialOrgKind.ELDERLY),
        filing_status=fields.pop("filing_status", FilingStatus.FILED),
        **fields,
    )


@pytest.fixture
def centre(small, community_staff):
    branch = create_horizontal_unit(None, area=small.communities[0], kind="sector_branch", name="为老服务中心党支部")
    found = org(community_staff, small.communities[0], members=23, party_unit=branch)
    social.add_contact(community_staff, found, name="张主任", phone=PHONE)
    project = social.record_project(
        community_staff,
        found,
        name="空巢老人助餐",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 12, 31),
        goals="每周三次送餐",
        budget=Decimal("50000"),
        beneficiaries=40,
    )
    social.add_beneficiary(community_staff, project, registry_person(small, 0))
    return found


def test_the_contacts_phone_is_encrypted_at_rest_and_masked(centre):
    contact = SocialOrgContact.objects.get()
    assert PHONE.encode() not in bytes(contact.phone_encrypted)
    assert contact.phone_masked == "139****5678"
    assert decrypt_field(contact, "phone_encrypted") == PHONE
    assert AuditEvent.objects.filter(action=AuditAction.SOCIAL_ORG_CHANGED).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.PROJECT_CHANGED).count() == 2


def test_only_the_communitys_staff_register_and_an_organisations_account_records_its_projects(
    small, centre, community_b_staff, resident
):
    with pytest.raises(DomainError) as raised:
        org(community_b_staff, small.communities[0], name="别的组织")
    assert raised.value.code == ResourceError.RESOURCE_FORBIDDEN
    with pytest.raises(DomainError) as raised:
        org(community_b_staff, small.district, name="别的组织")
    assert raised.value.code == ResourceError.SOCIAL_ORG_INVALID
    with pytest.raises(DomainError) as raised:
        social.record_project(resident, centre, name="x", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 2, 1))
    assert raised.value.code == ResourceError.RESOURCE_FORBIDDEN


def test_the_api_lists_and_reads_organisations_in_scope_with_projects(
    small, centre, community_staff, community_b_staff, resident
):
    account = make_persona("org_a", Role.SOCIAL_ORG, small.communities[0])
    social.add_org_account(community_staff, centre, account)
    other = org(community_b_staff, small.communities[1], name="助残服务社", kind=SocialOrgKind.DISABILITY)
    assert [o["id"] for o in bearer_client(community_staff).get("/api/v1/social-orgs").json()["items"]] == [centre.pk]
    assert [o["id"] for o in bearer_client(community_b_staff).get("/api/v1/social-orgs").json()["items"]] == [other.pk]
    assert [o["id"] for o in bearer_client(account).get("/api/v1/social-orgs").json()["items"]] == [centre.pk]
    assert bearer_client(resident).get("/api/v1/social-orgs").json()["items"] == []
    read = bearer_client(account).get(f"/api/v1/social-orgs/{centre.pk}")
    assert read.status_code == 200, read.content
    body = read.json()
    assert body["contacts"] == [{"name": "张主任", "phone_masked": "139****5678"}]
    assert PHONE not in read.content.decode()
    assert (body["party_unit"]["name"], body["members"], body["filing_status"]) == ("为老服务中心党支部", 23, "filed")
    assert [(p["name"], p["beneficiaries"], p["recorded_persons"]) for p in body["projects"]] == [
        ("空巢老人助餐", 40, 1)
    ]
    assert_error(bearer_client(community_b_staff).get(f"/api/v1/social-orgs/{centre.pk}"), 404, "not_found")
    assert_error(bearer_client(account).get(f"/api/v1/social-orgs/{other.pk}"), 404, "not_found")
    query = f"/api/v1/social-orgs?area={small.communities[0].pk}"
    assert [o["id"] for o in bearer_client(community_staff).get(query).json()["items"]] == [centre.pk]


def test_listing_organisations_takes_the_same_queries_however_many(small, community_staff):
    client, runs = bearer_client(community_staff), []
    client.get("/api/v1/social-orgs")
    for n in range(3):
        org(
            community_staff,
            small.communities[0],
            name=f"组织{n}",
            service_areas=[small.communities[0], small.communities[1]],
        )
        with count_queries() as queries:
            assert len(client.get("/api/v1/social-orgs").json()["items"]) == n + 1
        runs.append(queries)
    assert_flat(*runs)


def test_a_beneficiary_is_in_the_persons_access_report_and_forgotten_on_anonymisation(small, centre):
    person = ProjectBeneficiary.objects.get().person
    section = next(s for s in held_about(person) if s["key"] == "resources_projects")
    assert [(r["organisation"], r["project"]) for r in section["rows"]] == [("为老服务中心", "空巢老人助餐")]
    forget(None, [person.pk])
    assert not ProjectBeneficiary.objects.exists()
    section = next(s for s in held_about(person) if s["key"] == "resources_projects")
    assert section["rows"] == []


def test_the_communitys_staff_record_a_projects_beneficiary_through_the_api_in_their_scope_only(
    small, centre, community_staff, community_b_staff
):
    project = centre.projects.get()
    served = registry_person(small, 1, name="赵大妈")
    elsewhere = registry_person(small, 12, name="钱大爷")  # the other community's
    url = f"/api/v1/social-orgs/projects/{project.pk}/beneficiaries"
    staff = bearer_client(community_staff)
    made = staff.post(url, {"person": served.pk}, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json() == {"project": project.pk, "person": served.pk, "recorded_persons": 2}
    again = staff.post(url, {"person": served.pk}, content_type="application/json")
    assert again.json()["recorded_persons"] == 2  # recorded once
    assert ProjectBeneficiary.objects.filter(project=project, person=served).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.PROJECT_CHANGED, detail__beneficiary=served.pk).exists()
    assert_error(staff.post(url, {"person": elsewhere.pk}, content_type="application/json"), 404, "not_found")
    other = bearer_client(community_b_staff)
    assert_error(other.post(url, {"person": elsewhere.pk}, content_type="application/json"), 404, "not_found")
    assert not ProjectBeneficiary.objects.filter(person=elsewhere).exists()
