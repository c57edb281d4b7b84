"""Figures from records (by state and cause, residents benefited with its registration hook) and
the dossiers in the residents' access report and anonymisation."""

import datetime as dt

from django.utils import timezone

from wangge.accounts.models import Role
from wangge.areas.models import AreaNode
from wangge.assistance import actions, benefited, figures
from wangge.assistance.models import Dossier, DossierState, Help, HelperKind, HelperSkill, Need, NeedState, Priority
from wangge.assistance.tests.factories import SENTENCE, URGENT, dossier, help_, volunteer_with_account
from wangge.cases.models import Case
from wangge.cases.tests.factories import file
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.people.actions import access_report, anonymise_person
from wangge.people.models import Person, PersonStatus
from wangge.people.tests.factories import resident


def test_dossiers_are_counted_by_state_and_by_cause(small, worker_a):
    dossier(worker_a, small.households[0], causes=["illness", "disability"])
    dossier(worker_a, small.households[1], causes=["illness"])
    closed = dossier(worker_a, small.households[2], causes=["disaster"])
    actions.change_dossier(worker_a, closed, state=DossierState.CLOSED, reason="已迁出本市")
    grid = small.grids[0]
    assert figures.by_state(grid)["new"] == 2 and figures.by_state(grid)["closed"] == 1
    causes = figures.by_cause(grid)
    assert (causes["illness"], causes["disability"], causes["disaster"]) == (2, 1, 0)
    assert figures.by_cause(small.grids[2])["illness"] == 0


def test_residents_benefited_counts_households_helped_or_with_a_case_of_theirs_closed(
    small, worker_a, catalogue, english
):
    today = timezone.localdate()
    first = today - dt.timedelta(days=364)
    help_(worker_a, dossier(worker_a, small.households[0]))
    help_(worker_a, dossier(worker_a, small.households[1]), days_ago=400)  # before the period
    reporter = make_persona("resident_2", Role.RESIDENT, small.households[2])
    living = resident(small, 3, name="李四")
    Person.objects.filter(pk=living.pk).update(user=make_persona("li_si", Role.RESIDENT, small.households[3]))
    open_case = file(small, catalogue, user=reporter)
    closed_case = file(small, catalogue, user=reporter)
    their_case = file(small, catalogue)
    # Closing runs through the whole case chain (cases' own tests); here only its outcome matters.
    Case.objects.filter(pk=closed_case.pk).update(reporter=reporter, closed_at=timezone.now())
    Case.objects.filter(pk=their_case.pk).update(
        reporter=Person.objects.get(pk=living.pk).user, closed_at=timezone.now()
    )
    Case.objects.filter(pk=open_case.pk).update(reporter=reporter, closed_at=None)
    found = benefited.benefited(small.grids[0], first, today)
    assert (found.households, found.benefited) == (6, 3)  # households 0 (help), 2 and 3 (cases)
    assert round(found.share, 2) == 0.5
    assert [str(k) for k in found.kinds] == [
        "A help recorded",
        "A case of theirs closed",
        "A facility booking used",
        "A volunteer activity joined",
    ]
    assert benefited.benefited(small.grids[2], first, today).benefited == 0


def test_another_app_adds_a_kind_of_service_through_the_hook(small, worker_a):
    def bookings(area, first, last):
        return _households(small, [4])

    service = benefited.Service("test_booking", "A facility booking", bookings)
    benefited.register_service(service)
    try:
        today = timezone.localdate()
        found = benefited.benefited(small.grids[0], today, today)
        assert found.benefited == 1 and "A facility booking" in found.kinds
    finally:
        benefited.unregister_service("test_booking")


def _households(small, indexes):
    return AreaNode.objects.filter(pk__in=[small.households[i].pk for i in indexes]).values("pk")


def test_benefited_and_the_figures_take_the_same_queries_however_many_households_helped(small, worker_a):
    today = timezone.localdate()

    def run():
        with count_queries() as q:
            benefited.benefited(small.district, today - dt.timedelta(days=30), today)
            figures.figures(small.district)
        return q

    help_(worker_a, dossier(worker_a, small.households[0], causes=["illness"]))
    one = run()
    for h in small.households[1:6]:
        d = dossier(worker_a, h, ("care", URGENT), causes=["illness"])
        help_(worker_a, d)
        actions.change_need(worker_a, d.needs.get(), state=NeedState.MET)
    assert_flat(one, run(), at_most=4)  # benefited, coverage, by state, by cause


# --- the access report and anonymisation --------------------------------------------------------


def test_the_access_report_holds_the_dossier_of_the_persons_household_in_clear(small, worker_a, community_staff):
    person = resident(small, 0, name="王大伟")
    d = dossier(worker_a, small.households[0], ("medical", URGENT), situation=SENTENCE, causes=["illness"])
    help_(worker_a, d)
    dossier(worker_a, small.households[1], situation="别家的情况")
    data = access_report(community_staff, person, reason="居民本人书面申请")
    (section,) = [r for r in data["other_records"] if r["key"] == "assistance"]
    records = [row["record"] for row in section["rows"]]
    assert records == ["档案", "需求", "帮扶"]
    assert SENTENCE in str(section["rows"]) and "送米面油" in str(section["rows"])
    assert "别家的情况" not in str(data)


def test_anonymising_the_last_member_of_a_household_clears_its_dossier_but_keeps_the_work(
    small, worker_a, community_staff, settings
):
    settings.RETENTION_DAYS = 365
    person = resident(small, 0, name="王大伟")
    d = dossier(worker_a, small.households[0], ("medical", URGENT), situation=SENTENCE, causes=["illness"])
    help_(worker_a, d)
    other = dossier(worker_a, small.households[1], situation="别家的情况")
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.MOVED_AWAY, status_changed_on=dt.date(2020, 1, 5))
    anonymise_person(community_staff, person)
    d.refresh_from_db()
    assert (d.situation_encrypted, d.causes_encrypted) == (None, None)
    need = Need.objects.get(dossier=d)
    assert (need.kind_encrypted, need.priority) == (None, Priority.MOST_URGENT)
    assert Help.objects.get(dossier=d).what_encrypted is None
    assert actions.dossier_text(Dossier.objects.get(pk=other.pk))["situation"] == "别家的情况"


def test_a_volunteers_declared_skills_are_in_their_access_report_and_deleted_when_anonymised(
    small, community_staff, settings
):
    settings.RETENTION_DAYS = 365
    person, _user = volunteer_with_account(small, "王志愿", home=small.households[0])
    actions.set_helper_skills(
        community_staff, district=small.district, kind=HelperKind.VOLUNTEER, helper_id=person.pk, kinds=["legal"]
    )
    data = access_report(community_staff, person, reason="居民本人书面申请")
    (section,) = [r for r in data["other_records"] if r["key"] == "assistance"]
    assert [(row["record"], row["detail"]) for row in section["rows"]] == [("作为帮扶人的专长", "法律")]
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.MOVED_AWAY, status_changed_on=dt.date(2020, 1, 5))
    anonymise_person(community_staff, person)
    assert not HelperSkill.objects.exists()
