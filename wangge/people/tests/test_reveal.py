"""Masked by default; a reveal needs a personal-data role over the person, a reason, and
leaves an audit row and a grant that expires; departments see the reporter's contact of the
cases they handle and nothing of the registry."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp

from wangge.accounts import second_factor
from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.cases import actions as case_actions
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.people import actions
from wangge.people.models import RevealGrant
from wangge.people.queries import visible_persons
from wangge.people.tests.factories import ID_NUMBER, ILLNESS, PHONE, file_case, id_number, resident

REASON = "核实低保申请材料"


@pytest.fixture
def person(small):
    return resident(
        small, 0, id_number=ID_NUMBER, phone=PHONE, sensitive={"chronic_illness": ILLNESS, "elderly_alone": True}
    )


def revealed_events():
    return AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_REVEALED)


def test_a_reveal_returns_the_values_and_audits_the_reason_not_the_values(person, worker_a, settings):
    settings.REVEAL_MINUTES = 15
    now = timezone.now()
    data = actions.reveal_personal_data(worker_a, person=person, reason=f"  {REASON} ", ip_address="10.0.0.9")
    assert (data["id_number"], data["phone"]) == (ID_NUMBER, PHONE)
    assert data["sensitive"] == {"chronic_illness": ILLNESS, "elderly_alone": True}
    grant = RevealGrant.objects.get()
    assert (grant.user, grant.person, grant.reason) == (worker_a, person, REASON)
    assert set(grant.fields) == {"id_number", "phone", "sensitive"}
    assert dt.timedelta(minutes=14) < grant.expires_at - now <= dt.timedelta(minutes=15, seconds=5)
    event = revealed_events().get()
    assert (event.actor, event.object_id, event.ip_address) == (worker_a, str(person.pk), "10.0.0.9")
    assert event.detail["reason"] == REASON and event.detail["grant"] == grant.pk
    assert ID_NUMBER not in str(event.detail) and PHONE not in str(event.detail) and ILLNESS not in str(event.detail)


def test_a_worker_of_another_grid_cannot_reveal(person, worker_b):
    with pytest.raises(DomainError) as error:
        actions.reveal_personal_data(worker_b, person=person, reason=REASON)
    assert (error.value.code, error.value.status) == ("person_not_found", 404)
    with pytest.raises(DomainError) as error:
        actions.visible_fields(worker_b, person)
    assert error.value.status == 404
    assert not revealed_events().exists() and not RevealGrant.objects.exists()


def test_the_person_out_of_scope_is_checked_before_the_reason(person, worker_b):
    """Outside scope the answer is "not found" whatever else is wrong: existence does not leak."""
    with pytest.raises(DomainError) as error:
        actions.reveal_personal_data(worker_b, person=person, reason="")
    assert error.value.code == "person_not_found"


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reveal_reason_required"), ("看看", "reveal_reason_required"), ("长" * 501, "reason_too_long")],
)
def test_a_reveal_needs_a_real_reason(person, worker_a, reason, code):
    with pytest.raises(DomainError) as error:
        actions.reveal_personal_data(worker_a, person=person, reason=reason)
    assert error.value.code == code
    assert not revealed_events().exists()


def test_fields_are_masked_until_revealed_then_clear_until_the_grant_expires(
    person, worker_a, community_staff, settings
):
    settings.REVEAL_MINUTES = 10
    before = actions.visible_fields(worker_a, person)
    assert (before.id_number, before.phone, before.sensitive) == ("110***********002X", "138****5678", None)
    assert before.clear == frozenset()
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()

    actions.reveal_personal_data(worker_a, person=person, reason=REASON)
    seen = actions.visible_fields(worker_a, person, ip_address="10.0.0.1")
    assert (seen.id_number, seen.phone) == (ID_NUMBER, PHONE)
    assert seen.sensitive == {"chronic_illness": ILLNESS, "elderly_alone": True}
    actions.visible_fields(worker_a, person)
    viewed = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED, actor=worker_a)
    assert viewed.count() == 2  # every clear reading leaves its trace, without another reason
    assert set(viewed.first().detail["fields"]) == {"id_number", "phone", "sensitive"}
    assert revealed_events().count() == 1

    # The grant is the revealing user's own: a colleague still sees the masked form.
    assert actions.visible_fields(community_staff, person).id_number == "110***********002X"

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        after = actions.visible_fields(worker_a, person)
    assert (after.id_number, after.phone, after.sensitive, after.clear) == (
        "110***********002X",
        "138****5678",
        None,
        frozenset(),
    )


def test_a_reveal_of_some_fields_shows_only_those(person, worker_a):
    data = actions.reveal_personal_data(worker_a, person=person, reason=REASON, fields=["phone"])
    assert data["phone"] == PHONE and "id_number" not in data and "sensitive" not in data
    seen = actions.visible_fields(worker_a, person)
    assert (seen.id_number, seen.phone, seen.sensitive) == ("110***********002X", PHONE, None)
    with pytest.raises(DomainError) as error:
        actions.reveal_personal_data(worker_a, person=person, reason=REASON, fields=["name"])
    assert error.value.code == "reveal_field_unknown"


def test_community_staff_and_the_district_see_their_whole_area(
    small, person, community_staff, district_admin, worker_b
):
    far = resident(small, 12, name="远方", id_number=id_number(5))
    assert actions.reveal_personal_data(community_staff, person=person, reason=REASON)["id_number"] == ID_NUMBER
    with pytest.raises(DomainError):
        actions.reveal_personal_data(community_staff, person=far, reason=REASON)  # community 2
    assert actions.reveal_personal_data(district_admin, person=far, reason=REASON)["id_number"] == id_number(5)
    assert actions.reveal_personal_data(worker_b, person=far, reason=REASON)["id_number"] == id_number(5)


def test_departments_members_and_volunteers_see_nothing_of_the_registry(small, person, dept_a):
    member = make_persona("member_a", Role.MEMBER, small.grids[0])
    volunteer = make_persona("volunteer_a", Role.VOLUNTEER, small.communities[0])
    for user in (dept_a, member, volunteer):
        assert not visible_persons(user).exists()
        with pytest.raises(DomainError) as error:
            actions.reveal_personal_data(user, person=person, reason=REASON)
        assert error.value.status == 404
        assert actions.visible_fields_for(user, [person]) == {}


def test_a_department_reveals_the_reporter_contact_of_its_own_case_only(
    small, catalogue, dept_a, dept_b, district_admin, worker_a, worker_b
):
    case = file_case(small, catalogue, worker_a, contact="13700001111")
    case = case_actions.dispatch(district_admin, case_actions.accept(district_admin, case))
    assert case.unit.users.filter(pk=dept_a.pk).exists()
    assert case.reporter_contact_masked == "137****1111"

    contact = case_actions.reveal_reporter_contact(dept_a, case, reason="回访联系报告人", ip_address="10.0.0.7")
    assert contact == "13700001111"
    event = revealed_events().get()
    assert (event.actor, event.object_type, event.object_id) == (dept_a, "cases.case", str(case.pk))
    assert event.detail["fields"] == ["reporter_contact"] and "13700001111" not in str(event.detail)

    with pytest.raises(DomainError) as error:
        case_actions.reveal_reporter_contact(dept_b, case, reason="回访联系报告人")
    assert (error.value.code, error.value.status) == ("reveal_not_allowed", 403)
    with pytest.raises(DomainError) as error:
        case_actions.reveal_reporter_contact(worker_b, case, reason="回访联系报告人")
    assert error.value.status == 403
    with pytest.raises(DomainError) as error:
        case_actions.reveal_reporter_contact(dept_a, case, reason="")
    assert error.value.code == "reveal_reason_required"
    # The grid's own worker may call the reporter back too.
    assert case_actions.reveal_reporter_contact(worker_a, case, reason="回访联系报告人") == "13700001111"

    # Once the case is no longer the department's, neither is the contact.
    case = case_actions.return_to_dispatch(dept_a, case, reason="不属于本部门职责")
    with pytest.raises(DomainError) as error:
        case_actions.reveal_reporter_contact(dept_a, case, reason="回访联系报告人")
    assert error.value.status == 403
    assert revealed_events().count() == 2


def test_visible_fields_for_many_persons_takes_a_fixed_number_of_queries(small, worker_a):
    def measure(n, start):
        persons = [
            resident(small, i % 6, name=f"居民{i}", id_number=id_number(i), phone=f"1390000{i:04d}")
            for i in range(start, start + n)
        ]
        for p in persons[::2]:
            actions.reveal_personal_data(worker_a, person=p, reason=REASON)
        with count_queries() as queries:
            seen = actions.visible_fields_for(worker_a, persons)
        assert len(seen) == n and sum(1 for f in seen.values() if f.clear) == (n + 1) // 2
        return queries

    assert_flat(measure(3, 0), measure(12, 100), at_most=3)


def test_the_household_page_shows_what_visible_fields_says(client, small, person, worker_a):
    from django.urls import reverse

    client.force_login(worker_a)
    page = reverse("area", args=[small.households[0].pk])
    html = client.get(page).content.decode()
    assert "110***********002X" in html and ID_NUMBER not in html and PHONE not in html
    actions.reveal_personal_data(worker_a, person=person, reason=REASON)
    html = client.get(page).content.decode()
    assert ID_NUMBER in html and PHONE in html and ILLNESS not in html
    viewed = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED, object_type="people.person")
    assert viewed.count() == 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        html = client.get(page).content.decode()
    assert "110***********002X" in html and ID_NUMBER not in html


def verified(user):
    """The user as a session that verified a code comes to the actions (django-otp's middleware)."""
    device = second_factor.pending_authenticator(user)
    second_factor.confirm_enrolment(user, f"{totp(device.bin_key):06d}")
    user.otp_device = device
    return user


def test_with_the_reveal_policy_a_reveal_needs_a_verified_second_factor_after_scope(
    settings, person, worker_a, worker_b
):
    settings.REQUIRE_2FA = "reveal"
    with pytest.raises(DomainError) as error:
        actions.reveal_personal_data(worker_a, person=person, reason=REASON)
    assert (error.value.code, error.value.status) == ("second_factor_required", 403)
    with pytest.raises(DomainError) as outside:
        actions.reveal_personal_data(worker_b, person=person, reason=REASON)
    assert outside.value.status == 404  # scope first: another grid's worker learns nothing more
    assert not RevealGrant.objects.exists() and not revealed_events().exists()
    assert actions.reveal_personal_data(verified(worker_a), person=person, reason=REASON)["id_number"] == ID_NUMBER
    assert revealed_events().count() == 1


def test_with_the_reveal_policy_a_reporters_contact_needs_a_verified_second_factor(
    settings, small, catalogue, district_admin, dept_a
):
    case = file_case(small, catalogue, district_admin, contact="13700001111")
    case = case_actions.dispatch(district_admin, case_actions.accept(district_admin, case))
    settings.REQUIRE_2FA = "reveal"
    with pytest.raises(DomainError) as error:
        case_actions.reveal_reporter_contact(dept_a, case, reason="回访联系报告人")
    assert error.value.code == "second_factor_required"
    assert case_actions.reveal_reporter_contact(verified(dept_a), case, reason="回访联系报告人") == "13700001111"
