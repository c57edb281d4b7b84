"""Registering a social organisation and recording its projects on the web: the community's
staff register with the community they keep (the contact's phone encrypted and shown masked);
the organisation's own account records its projects and reaches no other organisation; another
community's staff get 404."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.resources import social
from wangge.resources.models import FilingStatus, Project, SocialOrg, SocialOrgContact, SocialOrgKind


@pytest.fixture
def staff_b(small):
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


def register(client, small, **extra):
    return client.post(
        reverse("social_org_new"),
        {
            "name": "夕阳红互助社",
            "kind": SocialOrgKind.ELDERLY,
            "filing_status": FilingStatus.FILED,
            "community": small.communities[0].pk,
            "service_areas": [small.communities[0].pk, small.communities[1].pk],
            "members": "12",
            "contact_name": "王老师",
            "contact_phone": "13800138000",
            **extra,
        },
    )


def test_the_staff_register_an_organisation_with_an_encrypted_contact(client, small, community_staff, staff_b):
    client.force_login(community_staff)
    answer = register(client, small)
    org = SocialOrg.objects.get()
    assert answer["Location"] == reverse("social_org_project_new", args=[org.pk])
    assert set(org.service_areas.all()) == {small.communities[0], small.communities[1]}
    contact = SocialOrgContact.objects.get()
    assert contact.phone_masked != "13800138000" and b"13800138000" not in bytes(contact.phone_encrypted)
    page = client.get(reverse("resources_social_orgs")).content.decode()
    assert "夕阳红互助社" in page and "13800138000" not in page
    # A bad phone leaves nothing half-written; community 2's staff cannot register in community 1.
    register(client, small, name="另一个", contact_phone="12")
    assert SocialOrg.objects.count() == 1
    client.force_login(staff_b)
    register(client, small, name="越权")
    assert SocialOrg.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SOCIAL_ORG_CHANGED).count() == 2  # created, contact


def test_an_organisations_account_records_its_own_projects_only(client, small, community_staff, staff_b):
    mine = social.register_org(
        community_staff, community=small.communities[0], name="甲", kind="elderly", filing_status="filed"
    )
    other = social.register_org(
        community_staff, community=small.communities[0], name="乙", kind="elderly", filing_status="filed"
    )
    account = make_persona("org", Role.SOCIAL_ORG, small.communities[0])
    social.add_org_account(community_staff, mine, account)
    client.force_login(account)
    listing = client.get(reverse("resources_social_orgs")).content.decode()
    assert "甲" in listing and "乙" not in listing
    assert client.get(reverse("social_org_project_new", args=[other.pk])).status_code == 404
    assert client.get(reverse("social_org_new")).status_code == 404
    body = {
        "name": "空巢老人陪伴",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "budget": "50000",
        "beneficiaries": "40",
        "goals": "每周上门",
    }
    assert client.post(reverse("social_org_project_new", args=[mine.pk]), body).status_code == 302
    project = Project.objects.get()
    assert (project.org, project.beneficiaries, int(project.budget)) == (mine, 40, 50000)
    client.post(reverse("social_org_project_new", args=[mine.pk]), {**body, "ends_on": "2025-01-01"})
    assert Project.objects.count() == 1
    client.force_login(staff_b)
    assert client.get(reverse("social_org_project_new", args=[mine.pk])).status_code == 404
