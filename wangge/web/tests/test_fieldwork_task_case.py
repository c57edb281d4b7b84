"""A briefing's task becomes a case from the briefing page (/fieldwork/tasks/<id>/case/): the
grid team and the staff over the grid file it at a building of the grid; a task that has its
case links it and never gets a second one; anyone else finds no such task (404)."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from wangge.accounts.models import Role
from wangge.cases.models import Case, Category
from wangge.conftest import make_persona
from wangge.fieldwork import actions
from wangge.fieldwork.models import Briefing, BriefingTask
from wangge.lib.testing import assert_flat, count_queries


def held_briefing(user, grid, texts=("清理3号楼楼道堆物",)) -> Briefing:
    briefing, _created = actions.record_briefing(
        user,
        uuid=uuid.uuid4(),
        grid=grid,
        date=timezone.localdate(),
        tasks=[actions.TaskData(text) for text in texts],
    )
    return briefing


def category(small) -> Category:
    return Category.objects.filter(district=small.district, parent__isnull=False, active=True).order_by("pk").first()


def test_a_task_becomes_a_case_from_the_briefing_page_and_then_links_it(client, small, worker_a, catalogue):
    grid = small.grids[0]
    task = held_briefing(worker_a, grid).tasks.get()  # type: ignore[attr-defined]
    client.force_login(worker_a)
    briefing_url = reverse("fieldwork_briefing", args=[grid.pk])
    form_url = reverse("fieldwork_task_case", args=[task.pk])
    assert form_url in client.get(briefing_url).content.decode()
    form = client.get(form_url)
    assert form.status_code == 200
    assert [b.pk for b in form.context["buildings"]] == [b.pk for b in small.buildings[:2]]
    assert form.context["typed"]["description"] == task.text  # prefilled with the task
    building = small.buildings[1]
    response = client.post(
        form_url, {"category": category(small).pk, "building": building.pk, "description": "3号楼楼道堆物，需清理"}
    )
    assert response.status_code == 302 and response["Location"] == briefing_url
    task.refresh_from_db()
    case = Case.objects.get()
    assert (task.case, case.building, case.grid, case.description) == (case, building, grid, "3号楼楼道堆物，需清理")
    page = client.get(briefing_url).content.decode()
    assert case.number in page and reverse("case", args=[case.pk]) in page and form_url not in page
    # The form of a task with its case leads to the case; posting again files nothing.
    assert client.get(form_url)["Location"] == reverse("case", args=[case.pk])
    client.post(form_url, {"category": category(small).pk, "building": building.pk, "description": "again"})
    assert Case.objects.count() == 1


def test_a_building_of_another_grid_or_no_category_is_refused_and_nothing_is_filed(client, small, worker_a, catalogue):
    task = held_briefing(worker_a, small.grids[0]).tasks.get()  # type: ignore[attr-defined]
    client.force_login(worker_a)
    url = reverse("fieldwork_task_case", args=[task.pk])
    for data in (
        {"category": category(small).pk, "building": small.buildings[2].pk, "description": "x"},
        {"category": "", "building": small.buildings[0].pk, "description": "x"},
        {"category": category(small).pk, "building": small.buildings[0].pk, "description": " "},
    ):
        response = client.post(url, data)
        assert response.status_code == 200 and response.context["typed"]["building"] == str(data["building"])
    assert not Case.objects.exists()


def test_the_staff_over_the_grid_file_it_and_anyone_else_finds_no_such_task(
    client, small, worker_a, worker_b, community_staff, district_admin, supervisor, resident, catalogue
):
    task = held_briefing(worker_a, small.grids[0], ["一", "二"]).tasks.order_by("pk")  # type: ignore[attr-defined]
    other_staff = make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])
    data = {"category": category(small).pk, "building": small.buildings[0].pk, "description": "楼道堆物"}
    for user in (worker_b, other_staff, supervisor, resident):
        client.force_login(user)
        url = reverse("fieldwork_task_case", args=[task[0].pk])
        assert client.get(url).status_code == 404, user.username
        assert client.post(url, data).status_code == 404, user.username
    assert not Case.objects.exists()
    for user, item in ((community_staff, task[0]), (district_admin, task[1])):
        client.force_login(user)
        assert client.post(reverse("fieldwork_task_case", args=[item.pk]), data).status_code == 302
    assert BriefingTask.objects.filter(case__isnull=False).count() == 2 == Case.objects.count()


def test_raising_a_case_again_from_a_stale_copy_of_the_task_answers_the_first_case(small, worker_a, catalogue):
    task = held_briefing(worker_a, small.grids[0]).tasks.get()  # type: ignore[attr-defined]
    stale = BriefingTask.objects.get(pk=task.pk)
    first = actions.raise_case_from_task(worker_a, task, category(small), small.buildings[0])
    again = actions.raise_case_from_task(worker_a, stale, category(small), small.buildings[1])
    assert again == first and stale.case == first and Case.objects.count() == 1


@pytest.mark.parametrize("with_cases", [False, True])
def test_the_held_briefing_takes_as_many_queries_with_more_tasks(client, small, worker_a, catalogue, with_cases):
    grid = small.grids[0]
    briefing = held_briefing(worker_a, grid, ["一"])
    url = reverse("fieldwork_briefing", args=[grid.pk])
    client.force_login(worker_a)

    def run():
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries

    def more(n: int) -> None:
        tasks = [BriefingTask(briefing=briefing, text=f"任务{i}") for i in range(n)]
        BriefingTask.objects.bulk_create(tasks)
        if with_cases:
            for item in BriefingTask.objects.filter(briefing=briefing, case__isnull=True):
                actions.raise_case_from_task(worker_a, item, category(small), small.buildings[0])

    more(0)
    first = run()
    more(2)
    second = run()
    more(3)
    third = run()
    assert_flat(first, second, third)
