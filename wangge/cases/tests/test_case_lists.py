"""Finding a case again: "filed by me" on every channel, the finished cases, a worklist widened
by a state, search by number and by words, what a filer outside the case's area sees, and the
notices to the filer when a case is closed off and to the reporter when it waits for a rating.

Every case is driven through the real actions, with personas of two grids."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django_tasks_db.models import DBTaskResult

from wangge.api.testing import bearer_client
from wangge.cases import actions, policy
from wangge.cases.detail import case_detail, timeline_items
from wangge.cases.mail import send_case_email
from wangge.cases.models import Case, Notification
from wangge.cases.queries import Worklist, search_cases, visible_cases, worklist
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, SHANGHAI

# A Tuesday morning, a working day well inside the years the work calendar knows.
WORKING_MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def working_morning():
    with time_machine.travel(WORKING_MORNING):
        yield


def _file(small, catalogue, user, point=IN_GRID_0, *, channel="patrol", code="SZ01", description="路灯不亮") -> Case:
    return actions.file_case(
        user,
        district=small.district,
        category=catalogue[code],
        channel=channel,
        description=description,
        lng=point[0],
        lat=point[1],
        answers={"since": "today"} if code == "SZ01" else {},
    )


def _handled(admin, dept, case) -> Case:
    case = actions.dispatch(admin, actions.accept(admin, case))
    return actions.handle(dept, actions.start(dept, case), result="已更换灯泡")


def _closed(admin, dept, case) -> Case:
    """Handled, checked and closed off after a satisfied return visit by phone."""
    case = actions.verify(admin, _handled(admin, dept, case), passed=True)
    return actions.record_visit(admin, case, result="satisfied", by_phone=True)


def _ids(cases) -> list[int]:
    return list(cases.values_list("pk", flat=True))


def test_filed_by_me_holds_what_the_user_filed_on_every_channel_and_what_they_reported(
    small, catalogue, worker_a, worker_b, resident
):
    patrol = _file(small, catalogue, worker_a)
    phone = _file(small, catalogue, worker_a, channel="phone")
    visit = _file(small, catalogue, worker_a, channel="visit")
    web = _file(small, catalogue, worker_a, channel="web")
    others = _file(small, catalogue, worker_b, IN_GRID_2)
    residents = _file(small, catalogue, resident, channel="web")
    assert patrol.reporter is None and patrol.filed_by == worker_a  # a staff filing has no reporter
    assert _ids(worklist(worker_a, Worklist.MINE)) == [web.pk, visit.pk, phone.pk, patrol.pk]
    assert _ids(worklist(worker_b, Worklist.MINE)) == [others.pk]
    assert _ids(worklist(resident, Worklist.MINE)) == [residents.pk]


def test_a_filer_follows_a_case_filed_outside_their_area_as_a_reporter_does(
    small, catalogue, worker_a, worker_b, district_admin, dept_a
):
    # worker_b files what they saw in worker_a's grid: theirs to follow, not to see staff's work on.
    case = _file(small, catalogue, worker_b, IN_GRID_0)
    case = actions.dispatch(district_admin, actions.accept(district_admin, case))
    actions.request_extension(dept_a, actions.start(dept_a, case), days=2, reason="等待配件，联系人李四")
    case = Case.objects.get(pk=case.pk)
    assert case in visible_cases(worker_b)
    assert policy.reporter_only(worker_b, case)
    assert "李四" not in str(timeline_items(worker_b, case))  # the extension request is staff-only
    assert all(item["actor"] is None for item in timeline_items(worker_b, case))
    assert not policy.reporter_only(worker_a, case) and "李四" in str(timeline_items(worker_a, case))
    # Seeing it as its filer gives no step a role does not give.
    assert case_detail(worker_b, case.pk).your_steps == ["photos"]  # type: ignore[attr-defined]
    # Someone else in worker_b's grid does not see it.
    other = _file(small, catalogue, worker_a, IN_GRID_0)
    assert other not in visible_cases(worker_b)


def test_finished_cases_are_the_closed_ones_the_user_sees_newest_closed_first(
    small, catalogue, worker_a, worker_b, district_admin, dept_a, resident
):
    first = _file(small, catalogue, resident, channel="web")
    second = _file(small, catalogue, worker_a)
    elsewhere = _file(small, catalogue, worker_b, IN_GRID_2)
    still_open = _file(small, catalogue, worker_a)
    for case in (second, first, elsewhere):  # closed in this order
        _closed(district_admin, dept_a, case)
    assert Case.objects.get(pk=first.pk).state == "closed"
    assert _ids(worklist(worker_a, Worklist.DONE)) == [first.pk, second.pk]
    assert _ids(worklist(worker_b, Worklist.DONE)) == [elsewhere.pk]
    assert _ids(worklist(resident, Worklist.DONE)) == [first.pk]
    assert _ids(worklist(district_admin, Worklist.DONE)) == [elsewhere.pk, first.pk, second.pk]
    assert _ids(worklist(dept_a, Worklist.DONE)) == [elsewhere.pk, first.pk, second.pk]  # its unit's
    assert still_open.pk not in _ids(worklist(worker_a, Worklist.DONE))


def test_a_state_widens_a_list_to_every_case_of_its_kind_in_that_state(
    small, catalogue, worker_a, worker_b, district_admin, dept_a
):
    closed = _closed(district_admin, dept_a, _file(small, catalogue, worker_a))
    closed_b = _closed(district_admin, dept_a, _file(small, catalogue, worker_b, IN_GRID_2))
    open_case = _file(small, catalogue, worker_a)
    assert _ids(worklist(worker_a, Worklist.GRID)) == [open_case.pk]  # open cases by default
    assert _ids(worklist(worker_a, Worklist.GRID, {"closed"})) == [closed.pk]
    assert _ids(worklist(worker_b, Worklist.GRID, {"closed"})) == [closed_b.pk]
    assert set(_ids(worklist(dept_a, Worklist.INBOX, {"closed"}))) == {closed.pk, closed_b.pk}
    assert _ids(worklist(dept_a, Worklist.INBOX)) == []
    assert _ids(worklist(worker_a, Worklist.MINE, {"reported"})) == [open_case.pk]
    assert _ids(worklist(worker_a, Worklist.GRID, {"no-such-state"})) == []


def test_search_finds_a_number_by_its_last_digits_or_whole_and_words_of_the_description(
    small, catalogue, worker_a, worker_b
):
    lamp = _file(small, catalogue, worker_a, description="3号楼东门路灯不亮")
    road = _file(small, catalogue, worker_a, code="SZ02", description="青年东路5号门前路面塌陷")
    theirs = _file(small, catalogue, worker_b, IN_GRID_2, description="3号楼东门路灯不亮")
    assert lamp.number.endswith("-0001") and theirs.number.endswith("-0003")
    grid_a = worklist(worker_a, Worklist.GRID)
    assert _ids(search_cases(grid_a, "0001")) == [lamp.pk]
    assert _ids(search_cases(grid_a, "2")) == [road.pk]
    assert _ids(search_cases(grid_a, lamp.number)) == [lamp.pk]
    assert _ids(search_cases(grid_a, theirs.number)) == []  # out of scope
    assert _ids(search_cases(grid_a, "0003")) == []
    assert _ids(search_cases(grid_a, "路灯 东门")) == [lamp.pk]
    assert _ids(search_cases(grid_a, "塌陷")) == [road.pk]
    assert _ids(search_cases(grid_a, "路灯 塌陷")) == []
    assert _ids(search_cases(worklist(worker_b, Worklist.GRID), "路灯")) == [theirs.pk]
    assert _ids(search_cases(grid_a, "100%")) == []  # a LIKE wildcard is a character like any other


def test_the_filer_is_told_when_the_case_is_closed_off_with_an_e_mail_after_the_commit(
    small, catalogue, worker_a, district_admin, dept_a, django_capture_on_commit_callbacks
):
    worker_a.email = "worker_a@example.org"
    worker_a.save(update_fields=["email"])
    case = _handled(district_admin, dept_a, _file(small, catalogue, worker_a))
    actions.verify(district_admin, case, passed=True)
    assert not Notification.objects.filter(user=worker_a).exists()  # waits for its return visit
    case = Case.objects.get(pk=case.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.record_visit(district_admin, case, result="satisfied", by_phone=True)
        assert not DBTaskResult.objects.exists()
    [notice] = Notification.objects.filter(user=worker_a)
    assert notice.case_id == case.pk and case.number in notice.text
    assert not Notification.objects.filter(user=district_admin).exists()  # who closed it knows
    for callback in callbacks:
        callback()
    [queued] = DBTaskResult.objects.filter(task_path="wangge.cases.mail.send_case_email")
    send_case_email.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    [message] = mail.outbox
    assert message.to == ["worker_a@example.org"] and case.number in message.subject


def test_closing_by_hand_and_closing_at_the_check_tell_the_filer_and_the_reporter(
    small, catalogue, worker_a, worker_b, district_admin, dept_a, resident
):
    # The check closes a case whose category needs no return visit.
    no_visit = catalogue["SZ02"]
    no_visit.return_visit_required = False
    no_visit.save()
    quick = _handled(district_admin, dept_a, _file(small, catalogue, worker_a, code="SZ02"))
    actions.verify(district_admin, quick, passed=True)
    assert Case.objects.get(pk=quick.pk).state == "closed"
    assert Notification.objects.filter(user=worker_a, case=quick).count() == 1
    # Closed off by hand: a verified case whose category no longer asks for a return visit.
    by_hand = _handled(district_admin, dept_a, _file(small, catalogue, worker_b, IN_GRID_2, code="SZ03"))
    actions.verify(district_admin, by_hand, passed=True)
    catalogue["SZ03"].return_visit_required = False
    catalogue["SZ03"].save()
    actions.close(district_admin, Case.objects.get(pk=by_hand.pk))
    [told] = Notification.objects.filter(user=worker_b)
    assert told.case_id == by_hand.pk
    # A resident's report closed after the visit: the resident hears it (filer and reporter are one).
    own = _handled(district_admin, dept_a, _file(small, catalogue, resident, channel="web"))
    actions.verify(district_admin, own, passed=True)
    actions.record_visit(district_admin, Case.objects.get(pk=own.pk), result="satisfied")
    closed_notices = Notification.objects.filter(user=resident, case=own)
    assert closed_notices.count() == 2  # ready to rate, then closed off


def test_a_resident_is_asked_for_a_rating_once_the_result_is_checked(
    small, catalogue, worker_a, district_admin, dept_a, resident
):
    case = _handled(district_admin, dept_a, _file(small, catalogue, resident, channel="web"))
    assert not Notification.objects.filter(user=resident).exists()
    actions.verify(district_admin, case, passed=True)
    [notice] = Notification.objects.filter(user=resident)
    assert case.number in notice.text and Case.objects.get(pk=case.pk).state == "verified"
    # A patrol filing has no reporter to ask: the filer hears nothing until it is closed.
    patrol = _handled(district_admin, dept_a, _file(small, catalogue, worker_a))
    actions.verify(district_admin, patrol, passed=True)
    assert not Notification.objects.filter(user=worker_a).exists()
    # The resident rates it: closed off, and told so.
    actions.record_visit(resident, Case.objects.get(pk=case.pk), result="satisfied")
    assert Notification.objects.filter(user=resident).count() == 1  # they closed it themselves


def _queue(user, queue, **params) -> list[int]:
    response = bearer_client(user).get("/api/v1/cases", {"queue": queue, **params})
    assert response.status_code == 200, response.content[:500]
    return [c["id"] for c in response.json()["items"]]


def test_the_api_queues_follow_the_same_lists(small, catalogue, worker_a, worker_b, district_admin, dept_a):
    closed = _closed(district_admin, dept_a, _file(small, catalogue, worker_a))
    closed_b = _closed(district_admin, dept_a, _file(small, catalogue, worker_b, IN_GRID_2))
    phoned = _file(small, catalogue, worker_a, IN_GRID_2, channel="phone")
    assert _queue(worker_a, "done") == [closed.pk]
    assert _queue(worker_b, "done") == [closed_b.pk]
    assert _queue(worker_a, "grid", state="closed") == [closed.pk]  # widened, as on the cases page
    assert _queue(worker_a, "grid") == []
    assert _queue(worker_a, "mine") == [phoned.pk, closed.pk]
    assert _queue(worker_b, "mine", state="closed") == [closed_b.pk]
