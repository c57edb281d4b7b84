"""The cases page: every state filter (each offered once) finds the cases of the user's scope in
that state; search by number (in the address) or by words of the description (posted, never in
the address); the finished cases; items that can be told apart (excerpt, building, grid),
escaped; and a number of queries that stays flat as cases are added."""

import html
import re

import pytest

from wangge.api.testing import session_client
from wangge.cases import actions
from wangge.cases.models import Case
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, file_at
from wangge.cases.workflow import State
from wangge.lib.testing import Queries, assert_flat, count_queries
from wangge.web.cases import EXCERPT_LENGTH, LISTED_STATES

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def drive(case: Case, state: str, admin, dept, *, point) -> Case:
    """Take `case` (just filed) through the real actions to `state`."""
    if state == State.REPORTED:
        return case
    if state == State.REJECTED:
        return actions.reject(admin, case, reason="不属于受理范围")
    if state == State.DUPLICATE:
        survivor = file_at(admin, point=point)
        return actions.merge(admin, case, into=survivor)
    case = actions.accept(admin, case)
    if state == State.ACCEPTED:
        return case
    case = actions.dispatch(admin, case)
    if state == State.DISPATCHED:
        return case
    case = actions.start(dept, case)
    if state == State.IN_PROGRESS:
        return case
    if state == State.ON_HOLD:
        return actions.hold(dept, case, note="等待配件")
    if state == State.RETURNED:
        return actions.return_to_dispatch(dept, case, reason="非本单位职责")
    case = actions.handle(dept, case, result="已修复")
    if state == State.HANDLED:
        return case
    case = actions.verify(admin, case, passed=True)
    if state == State.VERIFIED:
        return case
    result = "unsatisfied" if state == State.REOPENED else "satisfied"
    case = actions.record_visit(admin, case, result=result, by_phone=True)
    assert case.state == state
    return case


def numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+/">([^<]+)</a>', html)


def options(html: str) -> list[str]:
    select = re.search(r'<select name="state">(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(1))


@pytest.mark.parametrize("state", [value for value, _label in LISTED_STATES])
def test_the_grid_list_filtered_by_a_state_finds_the_areas_cases_in_that_state(
    small, catalogue, worker_a, worker_b, district_admin, dept_a, state
):
    mine = drive(file_at(worker_a), state, district_admin, dept_a, point=IN_GRID_0)
    theirs = drive(file_at(worker_b, point=IN_GRID_2), state, district_admin, dept_a, point=IN_GRID_2)
    assert mine.state == theirs.state == state
    for user, own, other in ((worker_a, mine, theirs), (worker_b, theirs, mine)):
        page = session_client(user).get(f"/cases/?list=grid&state={state}")
        assert page.status_code == 200
        shown = numbers(page.content.decode())
        assert own.number in shown and other.number not in shown
        assert all(Case.objects.get(number=n).state == state for n in shown)


def test_each_state_is_offered_once_and_the_passing_return_visit_state_not_at_all(small, catalogue, worker_a):
    offered = options(session_client(worker_a).get("/cases/").content.decode())
    assert len(offered) == len(set(offered))
    assert offered == ["", "all", "open", *[value for value, _label in LISTED_STATES]]
    assert State.VISITED not in offered and offered.count(State.CLOSED) == 1


def test_the_finished_tab_shows_the_areas_closed_cases_and_the_users_own(
    small, catalogue, worker_a, worker_b, district_admin, dept_a, resident
):
    ours = drive(file_at(worker_a), State.CLOSED, district_admin, dept_a, point=IN_GRID_0)
    elsewhere = drive(file_at(worker_b, point=IN_GRID_2), State.CLOSED, district_admin, dept_a, point=IN_GRID_2)
    filed_elsewhere = drive(file_at(worker_a, point=IN_GRID_2), State.CLOSED, district_admin, dept_a, point=IN_GRID_2)
    still_open = file_at(worker_a)
    page = session_client(worker_a).get("/cases/").content.decode()
    assert 'href="/cases/?list=done"' in page
    done = numbers(session_client(worker_a).get("/cases/?list=done").content.decode())
    assert done == [filed_elsewhere.number, ours.number]  # newest closed first
    assert still_open.number not in done and elsewhere.number not in done
    done_b = numbers(session_client(worker_b).get("/cases/?list=done").content.decode())
    assert done_b == [filed_elsewhere.number, elsewhere.number]
    assert numbers(session_client(resident).get("/cases/?list=done").content.decode()) == []


def test_a_number_is_searched_in_the_address_and_only_within_scope(small, catalogue, worker_a, worker_b):
    lamp = file_at(worker_a)
    theirs = file_at(worker_b, point=IN_GRID_2)
    last = lamp.number.rsplit("-", 1)[1]
    client = session_client(worker_a)
    found = client.get(f"/cases/?list=grid&q={last}").content.decode()
    assert numbers(found) == [lamp.number] and f'value="{last}"' in found
    assert numbers(client.get(f"/cases/?list=grid&q={lamp.number}").content.decode()) == [lamp.number]
    assert numbers(client.get(f"/cases/?list=grid&q={theirs.number}").content.decode()) == []
    assert numbers(session_client(worker_b).get(f"/cases/?list=grid&q={last}").content.decode()) == []
    # Typed into the box (a posted form), a number goes into the address: a link to keep.
    posted = client.post("/cases/", {"list": "grid", "q": f" {last} ", "state": ""})
    assert posted.status_code == 302 and posted["Location"] == f"/cases/?list=grid&q={last}"


def test_words_of_the_description_are_posted_and_never_put_in_the_address(small, catalogue, worker_a, worker_b):
    zhang = file_at(worker_a, description="张伟家门口的路灯不亮")
    other = file_at(worker_a, description="道路破损", point=(IN_GRID_0[0] + 0.001, IN_GRID_0[1]))
    theirs = file_at(worker_b, point=IN_GRID_2, description="张伟家门口的路灯不亮")
    client = session_client(worker_a)
    answer = client.post("/cases/", {"list": "grid", "q": "张伟 路灯"})
    assert answer.status_code == 200
    text = answer.content.decode()
    assert numbers(text) == [zhang.number] and other.number not in text and theirs.number not in text
    assert 'value="张伟 路灯"' in text  # kept in the box, in the page's body
    # Words in an address are not searched (nor shown): nobody can link to them.
    listed = client.get("/cases/?list=grid&q=张伟").content.decode()
    assert set(numbers(listed)) == {zhang.number, other.number} and 'value="张伟"' not in listed
    nothing = client.post("/cases/", {"list": "grid", "q": "不存在的词"}).content.decode()
    assert numbers(nothing) == []


def test_words_found_on_many_pages_are_paged_by_posting_again(small, catalogue, worker_a):
    for n in range(32):
        file_at(worker_a, description=f"路灯不亮第{n}盏", point=(IN_GRID_0[0] + 0.0001 * (n % 5), IN_GRID_0[1]))
    client = session_client(worker_a)
    first = client.post("/cases/", {"list": "grid", "q": "路灯"}).content.decode()
    assert len(numbers(first)) == 30 and 'name="page" value="2"' in first
    second = client.post("/cases/", {"list": "grid", "q": "路灯", "page": "2"}).content.decode()
    assert len(numbers(second)) == 2


def test_items_show_an_escaped_excerpt_the_building_and_the_grid(small, catalogue, worker_a):
    building = small.buildings[0]
    file_at(worker_a, building=building, description="<script>alert(1)</script>" + "楼道灯坏了" * 20)
    page = session_client(worker_a).get("/cases/?list=grid").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    excerpt = re.search(r'data-testid="excerpt">([^<]*)<', page)
    assert excerpt is not None
    shown = html.unescape(excerpt.group(1))
    assert shown.startswith("<script>") and len(shown) <= EXCERPT_LENGTH and "楼道灯坏了" * 4 not in shown
    assert f'data-testid="place">{building.name}<' in page
    assert small.grids[0].name in page


def test_the_lists_and_a_search_cost_a_fixed_number_of_queries(small, catalogue, worker_a, district_admin, dept_a):
    client = session_client(worker_a)
    buildings = [b for b in small.buildings if b.grid_id == small.grids[0].pk]

    def count() -> list[Queries]:
        runs = []
        for request in (
            lambda: client.get("/cases/?list=grid"),
            lambda: client.get("/cases/?list=done"),
            lambda: client.get("/cases/?list=mine&state=all"),
            lambda: client.post("/cases/", {"list": "grid", "q": "路灯"}),
        ):
            with count_queries() as queries:
                assert request().status_code == 200
            runs.append(queries)
        return runs

    def add(n: int) -> None:
        for i in range(n):
            case = file_at(worker_a, building=buildings[i % len(buildings)], description=f"路灯不亮{i}")
            drive(case, State.CLOSED, district_admin, dept_a, point=IN_GRID_0)
            file_at(worker_a, building=buildings[(i + 1) % len(buildings)], description=f"路灯不亮又{i}")

    add(1)
    before = count()
    add(4)
    after = count()
    for few, many in zip(before, after, strict=True):
        assert_flat(few, many, at_most=12)
