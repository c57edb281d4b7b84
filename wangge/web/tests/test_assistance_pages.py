"""困难帮扶 pages: scope with two grids' personas, the worklist's order, the audited dossier
page and its changes through the actions, opening from a visit, the paired member's page, and
flat query counts."""

import io
import uuid

import openpyxl
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.assistance import actions
from wangge.assistance.models import Dossier, Help, Need, NeedState, Priority, Source
from wangge.assistance.tests.factories import SENTENCE, URGENT, dossier, member_with_account, pair
from wangge.fieldwork.tests.factories import visit
from wangge.lib.testing import assert_flat, count_queries


def _pages(d):
    return [
        reverse("assistance_dossier", args=[d.pk]),
        reverse("assistance_open", args=[d.household_id]),
        reverse("assistance") + f"?area={d.grid_id}",
    ]


def test_the_grid_team_community_staff_and_district_admin_open_the_pages(
    client, small, worker_a, community_staff, district_admin
):
    d = dossier(worker_a, small.households[0], ("medical", URGENT), situation=SENTENCE)
    for user in (worker_a, community_staff, district_admin):
        client.force_login(user)
        for url in _pages(d):
            assert client.get(url).status_code == 200, (user, url)
    page = client.get(reverse("assistance_dossier", args=[d.pk])).content.decode()
    assert SENTENCE in page


def test_another_grids_worker_a_supervisor_a_department_and_a_resident_find_no_page(
    client, small, worker_a, worker_b, supervisor, dept_a, resident
):
    d = dossier(worker_a, small.households[0], situation=SENTENCE)
    for user in (worker_b, supervisor, dept_a, resident):
        client.force_login(user)
        for url in _pages(d):
            assert client.get(url).status_code in (403, 404), (user, url)
        response = client.post(reverse("assistance_change", args=[d.pk]), {"op": "reassess", "reason": "复核"})
        assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action=AuditAction.DOSSIER_VIEWED).exists()


def test_worker_b_sees_their_own_grids_worklist_only(client, small, worker_a, worker_b):
    dossier(worker_a, small.households[0], ("money", URGENT))
    mine = dossier(worker_b, small.households[12], ("care", Priority.HARDEST))
    client.force_login(worker_b)
    page = client.get(reverse("assistance")).content.decode()
    assert small.households[12].name in page and reverse("assistance_dossier", args=[mine.pk]) in page
    assert small.households[0].name not in page


def test_every_view_of_a_dossier_leaves_an_audit_row(client, small, worker_a):
    d = dossier(worker_a, small.households[0])
    client.force_login(worker_a)
    for _ in range(3):
        client.get(reverse("assistance_dossier", args=[d.pk]))
    assert AuditEvent.objects.filter(action=AuditAction.DOSSIER_VIEWED, object_id=str(d.pk)).count() == 3


def test_the_worklist_shows_needs_by_priority_class_and_no_need_kind(client, small, worker_a):
    dossier(worker_a, small.households[0], ("money", Priority.ORDINARY))
    dossier(worker_a, small.households[1], ("medical", URGENT))
    client.force_login(worker_a)
    page = client.get(reverse("assistance")).content.decode()
    assert page.index('data-priority="most_urgent"') < page.index('data-priority="ordinary"')
    assert "医疗" not in page and "Medical" not in page


def test_a_dossier_is_opened_from_a_visit_and_a_most_urgent_need_added_and_a_member_paired(client, small, worker_a):
    v = visit(worker_a, small.households[0], timezone.now())
    client.force_login(worker_a)
    assert 'data-testid="open-dossier"' in client.get(reverse("fieldwork_visit", args=[v.pk])).content.decode()
    url = reverse("assistance_open", args=[small.households[0].pk]) + f"?visit={v.pk}"
    response = client.post(url, {"situation": SENTENCE, "causes": ["illness"], "visit": v.pk})
    d = Dossier.objects.get()
    assert response.status_code == 302 and d.sources == [Source.VISIT]
    change = reverse("assistance_change", args=[d.pk])
    client.post(change, {"op": "add_need", "kind": "medical", "priority": URGENT, "note": "透析"})
    assert Need.objects.get(dossier=d).priority == URGENT
    profile, _user = member_with_account(small, "李党员", home=small.households[1])
    page = client.get(reverse("assistance_dossier", args=[d.pk])).content.decode()
    assert "李党员" in page and 'data-testid="suggestion"' in page
    client.post(change, {"op": "pair", "helper_kind": "member", "helper_id": profile.pk})
    assert d.pairs.get().helper_id == profile.pk


def test_a_change_without_a_reason_is_refused_with_a_message(client, small, worker_a):
    d = dossier(worker_a, small.households[0])
    client.force_login(worker_a)
    response = client.post(
        reverse("assistance_change", args=[d.pk]), {"op": "change", "state": "closed", "reason": ""}, follow=True
    )
    assert (
        "assistance_reason_required" in response.content.decode()
        or "Say why" in response.content.decode()
        or ("说明" in response.content.decode())
    )
    d.refresh_from_db()
    assert d.state == "new"


def test_the_paired_member_sees_the_address_and_assigned_open_needs_never_the_situation(client, small, worker_a):
    d = dossier(worker_a, small.households[0], ("medical", URGENT), ("money", Priority.HARDEST), situation=SENTENCE)
    profile, member_user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    medical, money = d.needs.order_by("pk")
    actions.change_need(worker_a, medical, pair_id=p.pk)
    client.force_login(member_user)
    page = client.get(reverse("assistance_mine")).content.decode()
    assert small.households[0].name in page and page.count('data-testid="my-need"') == 1
    assert SENTENCE not in page and "疾病" not in page and "Illness" not in page
    assert client.get(reverse("assistance_dossier", args=[d.pk])).status_code in (403, 404)
    response = client.post(reverse("assistance_mine_help", args=[p.pk]), {"what": "陪同就医", "need": medical.pk})
    assert response.status_code == 302
    helped = Help.objects.get()
    assert helped.pair_id == p.pk and helped.need_id == medical.pk
    assert Need.objects.get(pk=medical.pk).state == NeedState.BEING_MET
    assert AuditEvent.objects.filter(action=AuditAction.DOSSIER_VIEWED, actor=member_user).count() == 1


def test_another_member_cannot_record_a_help_on_the_pair(client, small, worker_a, worker_b):
    d = dossier(worker_a, small.households[0])
    profile, _member_user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    _other, other_user = member_with_account(small, "张党员")
    for user in (other_user, worker_b):
        client.force_login(user)
        assert client.post(reverse("assistance_mine_help", args=[p.pk]), {"what": "x"}).status_code == 404
    assert not Help.objects.exists()


def test_the_worklist_the_dossier_and_the_members_page_take_the_same_queries_however_many_rows(client, small, worker_a):
    profile, member_user = member_with_account(small, "李党员")
    first = dossier(worker_a, small.households[0], ("money", URGENT))
    pair(worker_a, first, profile)

    member_client = Client()
    client.force_login(worker_a)
    member_client.force_login(member_user)

    def run():
        with count_queries() as q:
            assert client.get(reverse("assistance")).status_code == 200
            assert client.get(reverse("assistance_dossier", args=[first.pk])).status_code == 200
            assert member_client.get(reverse("assistance_mine")).status_code == 200
        return q

    one = run()
    for h in small.households[1:6]:
        d = dossier(worker_a, h, ("care", URGENT), ("goods", Priority.ORDINARY))
        p = pair(worker_a, d, profile)
        actions.change_need(worker_a, d.needs.first(), pair_id=p.pk)
        actions.add_need(worker_a, first, actions.NeedData("goods", Priority.HARDEST))
        actions.record_help(worker_a, uuid=uuid.uuid4(), dossier=first, given_on=timezone.localdate(), what="米")
        member_with_account(small, f"党员{h.pk}", home=h)
    assert_flat(one, run())


def _sheet(response) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_the_export_is_masked_unless_revealed_with_a_reason_and_always_audited(client, small, worker_a, worker_b):
    d = dossier(worker_a, small.households[0], ("medical", URGENT), ("goods", URGENT), situation=SENTENCE)
    profile, _user = member_with_account(small, "李党员")
    pair(worker_a, d, profile)
    client.force_login(worker_a)
    url = reverse("assistance_export") + f"?area={small.grids[0].pk}"
    masked = _sheet(client.get(url))
    assert len(masked) == 2 and SENTENCE not in str(masked)
    assert masked[1][1] == small.households[0].name and masked[1][6] == 2 and masked[1][10] == 1
    revealed = _sheet(client.post(url, {"reason": "民政局年度核查"}))
    assert SENTENCE in str(revealed)
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor=worker_a).order_by("pk")
    assert [(e.detail["revealed"], e.detail["rows"]) for e in exports] == [(False, 1), (True, 1)]
    client.force_login(worker_b)
    assert client.get(url).status_code == 404


def test_with_the_reveal_policy_only_the_masked_export_goes_without_a_second_factor(client, settings, small, worker_a):
    settings.REQUIRE_2FA = "reveal"
    dossier(worker_a, small.households[0], ("medical", URGENT), situation=SENTENCE)
    client.force_login(worker_a)
    url = reverse("assistance_export") + f"?area={small.grids[0].pk}"
    assert SENTENCE not in str(_sheet(client.get(url)))
    refused = client.post(url, {"reason": "民政局年度核查"})
    back = f"{reverse('assistance')}?area={small.grids[0].pk}"
    assert refused.status_code == 302
    assert refused["Location"] == f"{reverse('two_factor_verify')}?{urlencode({'next': back})}"
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor=worker_a)
    assert [e.detail["revealed"] for e in exports] == [False]


def test_the_export_takes_the_same_queries_however_many_dossiers(client, small, worker_a):
    client.force_login(worker_a)
    url = reverse("assistance_export") + f"?area={small.grids[0].pk}"
    dossier(worker_a, small.households[0], ("money", URGENT))

    def run():
        with count_queries() as q:
            assert client.post(url, {"reason": "民政局年度核查"}).status_code == 200
        return q

    one = run()
    for h in small.households[1:6]:
        dossier(worker_a, h, ("care", URGENT), ("goods", Priority.ORDINARY), causes=["illness"])
    assert_flat(one, run())
