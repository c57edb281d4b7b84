"""In-app notifications: the people who must act next are told, each sees only their own, and
marks them read (REST /api/v1/notifications and the web page)."""

from django.test import Client

from wangge.api.testing import bearer_client
from wangge.cases import actions
from wangge.cases.models import Category, Channel, Notification
from wangge.cases.tests.factories import IN_GRID_0
from wangge.lib import memo
from wangge.lib.testing import Queries, assert_flat, count_queries


def dispatched(worker, admin):
    category = Category.objects.get(code="SZ01")
    case = actions.file_case(
        worker,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )
    case = actions.accept(admin, case)
    return actions.dispatch(admin, case)


def test_the_unit_is_told_and_marks_its_notices_read(small, catalogue, worker_a, district_admin, dept_a, dept_b):
    case = dispatched(worker_a, district_admin)
    client = bearer_client(dept_a)
    body = client.get("/api/v1/notifications?unread=true").json()
    assert body["count"] >= 1 and all(item["case"]["number"] == case.number for item in body["items"])
    assert bearer_client(dept_b).get("/api/v1/notifications").json()["count"] == 0
    # Marking someone else's notice read does nothing to it.
    foreign = Notification.objects.create(user=dept_b, case=case, text="x")
    marked = client.post("/api/v1/notifications/read", {"ids": [foreign.pk]}, content_type="application/json")
    assert marked.json() == {"marked": 0}
    foreign.refresh_from_db()
    assert foreign.read_at is None
    marked = client.post("/api/v1/notifications/read", {}, content_type="application/json").json()["marked"]
    assert marked == body["count"]
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 0


def test_the_web_page_lists_them_and_the_header_counts_them(small, catalogue, worker_a, district_admin, dept_a):
    case = dispatched(worker_a, district_admin)
    web = Client()
    web.force_login(dept_a)
    page = web.get("/notifications/").content.decode()
    unread = Notification.objects.filter(user=dept_a, read_at__isnull=True).count()
    assert unread >= 1 and f'data-testid="unread">{unread}<' in page and f"/cases/{case.pk}/" in page
    assert web.post("/notifications/").status_code == 302
    assert 'data-testid="unread"' not in web.get("/notifications/").content.decode()
    assert Notification.objects.filter(user=dept_a, read_at__isnull=True).count() == 0


def test_the_list_costs_a_fixed_number_of_queries(small, catalogue, worker_a, district_admin, dept_a):
    client = bearer_client(dept_a)
    dispatched(worker_a, district_admin)

    def count() -> Queries:
        memo.forget_all()  # counted cold: the token and roles read as on a process's first call
        with count_queries() as queries:
            client.get("/api/v1/notifications")
        return queries

    before = count()
    for _ in range(5):
        dispatched(worker_a, district_admin)
    assert_flat(before, count())
