"""Residents' pages: the search (POST, so no number reaches a URL), one person's page (masked,
audited) and the reveal with a reason; scope with personas of two grids."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.lib.testing import count_queries, describe_runs
from wangge.people import actions as people_actions
from wangge.people.models import Person, RevealGrant
from wangge.web.tests.conftest import add_rows, id_number, zh

REASON = "核实低保申请材料"
OTHER_ID = id_number(40)
OTHER_PHONE = "13911112222"


@pytest.fixture
def other(populated) -> Person:
    """A resident of grid 2 (community 2), with ID number, phone and a sensitive fact."""
    small = populated.small
    return people_actions.create_person(
        None,
        district=small.district,
        data=people_actions.PersonInput(
            name="赵丽",
            id_number=OTHER_ID,
            phone=OTHER_PHONE,
            household=small.households[12],
            relation="head",
            sensitive={"chronic_illness": "哮喘"},
        ),
    )


@pytest.fixture
def resident(populated) -> Person:
    """Resident 1 of grid 0, with a sensitive fact and an education."""
    person = populated.resident
    Person.objects.filter(pk=person.pk).update(
        sensitive_encrypted=people_actions.encrypt_sensitive(
            {"chronic_illness": "高血压", "elderly_alone": True}, person.pk
        ),
        education="bachelor",
    )
    person.refresh_from_db()
    return person


def person_url(person: Person) -> str:
    return reverse("person", args=[person.pk])


def reveal_url(person: Person) -> str:
    return reverse("person_reveal", args=[person.pk])


def search(client, term: str, **extra):
    return client.post(reverse("people"), {"q": term, **extra})


def audit(action: str, person: Person | None = None):
    rows = AuditEvent.objects.filter(action=action)
    if person is not None:
        rows = rows.filter(object_type="people.person", object_id=str(person.pk))
    return rows


# --- login, roles, scope -----------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, resident):
    for url in (reverse("people"), person_url(resident)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(reveal_url(resident), {"reason": REASON}).status_code == 302
    assert not RevealGrant.objects.exists()


@pytest.mark.parametrize(
    ("persona", "own", "foreign"), [("worker_a", "resident", "other"), ("worker_b", "other", "resident")]
)
def test_grid_workers_see_their_grid_and_404_on_the_other(client, request, persona, own, foreign):
    client.force_login(request.getfixturevalue(persona))
    mine, theirs = request.getfixturevalue(own), request.getfixturevalue(foreign)
    assert client.get(person_url(mine)).status_code == 200
    assert client.get(person_url(theirs)).status_code == 404
    assert client.post(reveal_url(theirs), {"reason": REASON}).status_code == 404
    assert not RevealGrant.objects.filter(person=theirs).exists()
    assert not audit(AuditAction.PERSONAL_DATA_REVEALED, theirs).exists()


def test_a_role_without_personal_data_sees_no_person_and_no_link(client, resident):
    member = make_persona("member_a", Role.MEMBER, resident.grid)
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert reverse("people") not in page and reverse("imports") not in page
    assert client.get(person_url(resident)).status_code == 404
    assert client.post(reveal_url(resident), {"reason": REASON}).status_code == 404
    assert search(client, resident.name).status_code == 404  # the search is no page of a member's
    assert not audit(AuditAction.PERSONAL_DATA_REVEALED).exists()


def test_staff_see_the_nav_links(client, worker_a, resident):
    client.force_login(worker_a)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("people")}"' in page and f'href="{reverse("imports")}"' in page


# --- the person page ---------------------------------------------------------------------------


def test_person_page_is_masked_and_audited(client, worker_a, district_admin, resident, populated):
    client.force_login(worker_a)
    response = client.get(person_url(resident))
    page = response.content.decode()
    assert resident.id_number_masked in page and resident.phone_masked in page
    assert id_number(1) not in page and "13800000000" not in page
    assert "高血压" not in page  # sensitive facts only after a reveal
    assert zh("Bachelor") in page
    assert resident.households.get().household.name in page
    assert reverse("area", args=[resident.households.get().household_id]) in page
    assert zh("Show in clear…") in page and reveal_url(resident) in page
    (row,) = audit(AuditAction.PERSONAL_DATA_VIEWED, resident)
    assert row.actor == worker_a and row.detail == {"page": "person"}
    # The member's and the worker's profiles (the secretary has no household: district roles only).
    assert client.get(person_url(populated.secretary)).status_code == 404
    client.force_login(district_admin)
    assert zh("Retired member") in client.get(person_url(populated.member)).content.decode()
    assert zh("Grid secretary") in client.get(person_url(populated.secretary)).content.decode()


def test_household_page_links_to_its_residents(client, worker_a, resident):
    client.force_login(worker_a)
    household = resident.households.get().household
    page = client.get(reverse("area", args=[household.pk])).content.decode()
    assert f'href="{person_url(resident)}"' in page


def test_reveal_with_a_reason_shows_the_values_until_expiry(client, worker_a, resident):
    client.force_login(worker_a)
    response = client.post(reveal_url(resident), {"reason": REASON, "fields": ["id_number", "phone", "sensitive"]})
    assert response.status_code == 302 and response["Location"] == person_url(resident)
    (row,) = audit(AuditAction.PERSONAL_DATA_REVEALED, resident)
    assert row.actor == worker_a and row.detail["reason"] == REASON
    assert row.detail["fields"] == ["id_number", "phone", "sensitive"]
    assert id_number(1) not in str(row.detail)
    response = client.get(person_url(resident))
    page = response.content.decode()
    assert id_number(1) in page and "13800000000" in page and "高血压" in page
    grant = RevealGrant.objects.get()
    assert response.context["shown"].expires_at == grant.expires_at
    assert response.context["shown"].expires_at.astimezone().strftime("%H") in page
    assert zh("in clear") in page
    # Each reading in clear under the grant is audited as a view of the person.
    assert audit(AuditAction.PERSONAL_DATA_VIEWED, resident).filter(detail__grant=grant.pk).count() == 1


def test_reveal_only_the_fields_asked_for(client, worker_a, resident):
    client.force_login(worker_a)
    client.post(reveal_url(resident), {"reason": REASON, "fields": ["phone"]})
    page = client.get(person_url(resident)).content.decode()
    assert "13800000000" in page and id_number(1) not in page and "高血压" not in page


def test_the_reveal_dialog_ticks_nothing_and_refuses_a_reveal_of_nothing(client, worker_a, resident):
    client.force_login(worker_a)
    page = client.get(person_url(resident)).content.decode()
    assert 'name="fields"' in page and "checked" not in page.split('data-testid="reveal"')[1]
    response = client.post(reveal_url(resident), {"reason": REASON})
    assert response.status_code == 400
    assert 'data-code="reveal_field_unknown"' in response.content.decode()
    assert not audit(AuditAction.PERSONAL_DATA_REVEALED).exists()
    assert not RevealGrant.objects.exists()


def test_reveal_without_a_reason_is_refused_and_not_audited(client, worker_a, resident):
    client.force_login(worker_a)
    for reason in ("", "  ", "看"):
        response = client.post(reveal_url(resident), {"reason": reason})
        assert response.status_code == 400
        page = response.content.decode()
        assert zh("State why you need to see this person's data.") in page
        assert 'data-code="reveal_reason_required"' in page
        assert id_number(1) not in page
    assert not audit(AuditAction.PERSONAL_DATA_REVEALED).exists()
    assert not RevealGrant.objects.exists()


def test_reveal_is_post_only(client, worker_a, resident):
    client.force_login(worker_a)
    assert client.get(reveal_url(resident), {"reason": REASON}).status_code == 405
    assert not RevealGrant.objects.exists()


# --- search --------------------------------------------------------------------------------------


def test_search_page_is_a_post_form(client, worker_a, resident):
    client.force_login(worker_a)
    response = client.get(reverse("people"), {"q": id_number(1)})
    assert response.status_code == 200 and response.context["searched"] is False
    page = response.content.decode()
    assert 'method="post"' in page and 'name="q"' in page


@pytest.mark.parametrize("typed", [id_number(1), id_number(1).lower(), f" {id_number(1)[:6]} {id_number(1)[6:]} "])
def test_search_by_id_number_finds_exactly_the_person(client, worker_a, resident, other, typed):
    client.force_login(worker_a)
    response = search(client, typed)
    assert response.status_code == 200
    assert response.context["kind"] == "id_number"
    assert [p for p, _shown in response.context["rows"]] == [resident]
    page = response.content.decode()
    assert resident.id_number_masked in page and person_url(resident) in page
    (row,) = audit(AuditAction.PERSONAL_DATA_VIEWED)
    assert row.detail == {"page": "person_search", "search": "id_number", "residents": 1}
    assert id_number(1) not in str(row.detail)


def test_search_by_phone_finds_exactly_the_person(client, worker_a, resident, other):
    client.force_login(worker_a)
    response = search(client, "+86 138-0000-0000")
    assert response.context["kind"] == "phone"
    assert [p for p, _shown in response.context["rows"]] == [resident]


def test_search_outside_scope_finds_nothing(client, worker_a, resident, other):
    client.force_login(worker_a)
    for term in (OTHER_ID, OTHER_PHONE, "赵丽", OTHER_ID[-4:]):
        response = search(client, term)
        assert response.status_code == 200 and list(response.context["rows"]) == [], term
    client.force_login(make_persona("worker_c", Role.GRID_WORKER, other.grid))
    assert [p for p, _ in search(client, OTHER_ID).context["rows"]] == [other]


def test_search_by_the_last_four_characters(client, worker_a, resident):
    client.force_login(worker_a)
    response = search(client, id_number(1)[-4:])
    assert response.context["kind"] == "suffix"
    assert resident in [p for p, _shown in response.context["rows"]]


def test_search_by_name_and_address(client, worker_a, resident, populated):
    Person.objects.filter(pk=populated.member.pk).update(current_address="泉华路3号")
    client.force_login(worker_a)
    response = search(client, "居民")
    names = [p.name for p, _shown in response.context["rows"]]
    assert response.context["kind"] == "text" and "居民1" in names and "党员甲" not in names
    assert [p for p, _ in search(client, "泉华路").context["rows"]] == [populated.member]


def test_a_malformed_id_number_is_a_translated_error_without_the_value(client, worker_a, resident):
    client.force_login(worker_a)
    wrong = id_number(1)[:17] + ("0" if id_number(1)[17] != "0" else "1")
    response = search(client, wrong)
    assert response.status_code == 400
    page = response.content.decode()
    assert zh("The ID number's check digit is wrong; please check the number.") in page
    assert page.count(wrong) == 1  # only in the search box the user typed it into


def test_search_pages_by_post(client, district_admin, populated):
    for tag in "ABCDE":
        add_rows(populated.small, 0, tag=tag)
    client.force_login(district_admin)
    first = search(client, "新居民")
    assert first.context["page"].paginator.count == 30 and first.context["page"].paginator.num_pages == 1
    for tag in "FG":
        add_rows(populated.small, 0, tag=tag)
    first = search(client, "新居民")
    assert first.context["page"].paginator.num_pages == 2
    second = search(client, "新居民", page="2")
    assert len(second.context["rows"]) == 12
    assert {p.pk for p, _ in first.context["rows"]}.isdisjoint({p.pk for p, _ in second.context["rows"]})


def test_search_query_count_does_not_grow_with_rows(client, worker_a, populated):
    client.force_login(worker_a)
    search(client, "居民")  # warm up: session, assignments

    def run():
        assert search(client, "居民").status_code == 200

    with count_queries() as before:
        run()
    add_rows(populated.small, 0, tag="Y")
    add_rows(populated.small, 0, tag="Z")
    # A grant on one resident adds the fixed "shown in clear" audit insert, not one per row.
    people_actions.reveal_personal_data(worker_a, person=populated.resident, reason=REASON)
    with count_queries() as after:
        run()
    assert len(after) <= len(before) + 1, describe_runs(before, after)


def test_search_by_the_place_they_live(client, worker_a, resident):
    from wangge.areas.models import AreaNode
    from wangge.people.models import HouseholdMember

    household = HouseholdMember.objects.filter(person=resident).select_related("household").first().household
    AreaNode.objects.filter(pk=household.building_id).update(address="青年东路5号7号楼")
    client.force_login(worker_a)
    assert resident in [p for p, _shown in search(client, "青年东路5号7号楼").context["rows"]]
    assert resident in [p for p, _shown in search(client, household.name).context["rows"]]
    assert search(client, "青年东路5号8号楼").context["rows"] == []
