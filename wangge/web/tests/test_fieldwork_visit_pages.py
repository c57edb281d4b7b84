"""One visit's page: scope (404 for another grid's worker, a resident, a supervisor), the reveal
of its needs and note with a reason (never cached), the registry corrections from it, the notice
in a responsible member's inbox, and flat query counts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.oath import totp

from wangge.accounts import second_factor
from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.fieldwork import actions
from wangge.fieldwork.models import Visit
from wangge.fieldwork.tests.factories import WORKING_MONDAY, at, member, visit
from wangge.lib.testing import assert_flat, count_queries
from wangge.people.models import Person, PersonCorrection, PersonStatus
from wangge.people.tests.factories import resident

NEEDS = "需要申请低保，家中老人卧床"
NOTE = "与邻居因漏水纠纷"


@pytest.fixture
def recorded(small, worker_a) -> Visit:
    return visit(
        worker_a, small.households[0], at(WORKING_MONDAY), met="户主", needs=NEEDS, note=NOTE, changes=["moved_out"]
    )


def test_the_grid_worker_sees_the_visit_but_not_its_needs_and_note(client, small, worker_a, recorded):
    client.force_login(worker_a)
    response = client.get(reverse("fieldwork_visit", args=[recorded.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "户主" in page and "worker_a" in page and 'data-testid="reveal"' in page
    assert NEEDS not in page and NOTE not in page


def test_another_grids_worker_a_resident_and_a_supervisor_find_no_visit_page(
    client, small, recorded, worker_b, resident, supervisor
):
    for user in (worker_b, resident, supervisor):
        client.force_login(user)
        assert client.get(reverse("fieldwork_visit", args=[recorded.pk])).status_code == 404
        assert client.post(reverse("fieldwork_visit", args=[recorded.pk]), {"reason": "核实需求"}).status_code == 404
        registry = client.post(
            reverse("fieldwork_visit_registry", args=[recorded.pk]),
            {"person": "1", "status": "moved_away", "on": "2026-11-01"},
        )
        assert registry.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VISIT_REVEALED).exists()


def test_a_reason_reveals_the_needs_and_note_in_a_response_never_cached(client, small, worker_a, recorded):
    client.force_login(worker_a)
    url = reverse("fieldwork_visit", args=[recorded.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and NEEDS not in refused.content.decode()
    response = client.post(url, {"reason": "安排上门服务"})
    page = response.content.decode()
    assert response.status_code == 200 and NEEDS in page and NOTE in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditAction.VISIT_REVEALED)
    assert event.detail["reason"] == "安排上门服务" and event.object_id == str(recorded.pk)
    # Opened again, the page is masked again.
    assert NEEDS not in client.get(url).content.decode()


def test_with_the_reveal_policy_the_needs_wait_for_a_verified_second_factor(client, settings, worker_a, recorded):
    settings.REQUIRE_2FA = "reveal"
    client.force_login(worker_a)
    url = reverse("fieldwork_visit", args=[recorded.pk])
    response = client.post(url, {"reason": "安排上门服务"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_verify')}?{urlencode({'next': url})}"
    assert not AuditEvent.objects.filter(action=AuditAction.VISIT_REVEALED).exists()
    device = second_factor.pending_authenticator(worker_a)
    second_factor.confirm_enrolment(worker_a, f"{totp(device.bin_key):06d}")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False):
        client.post(reverse("two_factor_verify"), {"code": f"{totp(device.bin_key):06d}"})
    response = client.post(url, {"reason": "安排上门服务"})
    assert response.status_code == 200 and NEEDS in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.VISIT_REVEALED, actor=worker_a).count() == 1


def test_the_visit_page_offers_the_households_members_and_marks_one_moved_away(client, small, worker_a, recorded):
    mover = resident(small, 0, name="王大伟")
    neighbour = resident(small, 1, name="邻居")
    client.force_login(worker_a)
    url = reverse("fieldwork_visit", args=[recorded.pk])
    page = client.get(url).content.decode()
    assert "王大伟" in page and "邻居" not in page and 'data-testid="mark-moved_away"' in page
    # Listing the household's registry members is a reading of personal data: audited.
    viewed = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED, detail__page="visit")
    assert (viewed.actor, viewed.detail["residents"]) == (worker_a, 1)
    registry = reverse("fieldwork_visit_registry", args=[recorded.pk])
    refused = client.post(registry, {"person": neighbour.pk, "status": "moved_away", "on": "2026-10-30"})
    assert refused.status_code == 400 and 'data-code="not_a_household_member"' in refused.content.decode()
    assert client.post(registry, {"person": mover.pk, "status": "deceased"}).status_code == 400
    response = client.post(registry, {"person": mover.pk, "status": "moved_away", "on": "2026-10-30"})
    assert response.status_code == 302
    mover = Person.objects.get(pk=mover.pk)
    assert (mover.status, mover.status_changed_on) == (PersonStatus.MOVED_AWAY, dt.date(2026, 10, 30))
    assert PersonCorrection.objects.get(person=mover).reason == "走访 2026-11-02：迁出"
    assert Person.objects.get(pk=neighbour.pk).status == PersonStatus.ACTIVE
    assert 'data-testid="member-status"' in client.get(url).content.decode()


def test_a_birth_links_the_registry_import_instead_of_a_form(client, small, worker_a):
    born = visit(worker_a, small.households[0], at(WORKING_MONDAY), changes=["birth"])
    client.force_login(worker_a)
    page = client.get(reverse("fieldwork_visit", args=[born.pk])).content.decode()
    assert 'data-testid="newcomers"' in page and reverse("import_new") in page
    assert 'data-testid="corrections"' not in page


def test_saving_a_visit_opens_its_page_saying_how_many_members_were_told(client, small, worker_a):
    member(small, "楼长党员", [small.buildings[0]], user=make_persona("m1", Role.MEMBER, small.buildings[0]))
    member(small, "无账号党员", [small.households[0]])
    client.force_login(worker_a)
    response = client.post(
        reverse("fieldwork_visit_new", args=[small.households[0].pk]), {"needs": NEEDS, "change": ["birth"]}
    )
    saved = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("fieldwork_visit", args=[saved.pk])
    told = client.get(response["Location"]).context["told"]
    assert (told.told, told.without_account) == (1, 1)


def test_the_visit_list_and_the_form_link_the_households_last_visits(client, small, worker_a, recorded):
    client.force_login(worker_a)
    detail = reverse("fieldwork_visit", args=[recorded.pk])
    assert detail in client.get(reverse("fieldwork_visits", args=[small.grids[0].pk])).content.decode()
    assert detail in client.get(reverse("fieldwork_visit_new", args=[small.households[0].pk])).content.decode()


def test_a_responsible_members_inbox_links_the_visit_only_for_a_personal_data_role(client, small, worker_a):
    plain = make_persona("member_plain", Role.MEMBER, small.buildings[0])
    worker_member = make_persona("member_worker", Role.GRID_WORKER, small.grids[0])
    member(small, "楼长党员", [small.buildings[0]], user=plain)
    member(small, "网格党员", [small.buildings[0]], user=worker_member)
    recorded = visit(worker_a, small.households[0], at(WORKING_MONDAY), needs=NEEDS)
    link = reverse("fieldwork_visit", args=[recorded.pk])
    client.force_login(plain)
    page = client.get(reverse("notifications")).content.decode()
    assert "有需求待跟进" in page and link not in page and NEEDS not in page
    client.force_login(worker_member)
    page = client.get(reverse("notifications")).content.decode()
    assert link in page and NEEDS not in page
    assert client.get(link).status_code == 200
    # The API lists it as a notice about no case.
    (listed,) = client.get("/api/v1/notifications").json()["items"]
    assert listed["case"] is None and "有需求待跟进" in listed["text"]


def test_the_visit_page_and_the_inbox_take_as_many_queries_with_more_rows(client, small, worker_a):
    worker_member = make_persona("member_worker", Role.GRID_WORKER, small.grids[0])
    member(small, "网格党员", [small.buildings[0]], user=worker_member)
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), needs=NEEDS, changes=["moved_out", "death"])

    def more(n: int) -> None:
        for i in range(n):
            resident(small, 0, name=f"居民{i}{n}")
            member(small, f"无账号{i}{n}", [small.households[0]])
            actions.edit_record(
                worker_a,
                record,
                {"met": f"第{n}{i}次"},
                Visit.objects.get(pk=record.pk).updated_at + dt.timedelta(minutes=1),
            )
            visit(worker_a, small.households[0], at(WORKING_MONDAY), needs=NEEDS)

    def run(user, url):
        client.force_login(user)
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries

    pages = [
        (worker_a, reverse("fieldwork_visit", args=[record.pk])),
        (worker_a, reverse("fieldwork_visit_new", args=[small.households[0].pk])),  # its last visits
        (worker_member, reverse("notifications")),
    ]
    more(1)
    first = [run(u, url) for u, url in pages]
    more(3)
    second = [run(u, url) for u, url in pages]
    for one, other in zip(first, second, strict=True):
        assert_flat(one, other)
