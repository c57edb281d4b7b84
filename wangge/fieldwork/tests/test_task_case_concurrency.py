"""A briefing's task or a patrol's check-in turned into a case by two people at the same moment:
one case is filed and linked, both are answered with it. Real concurrent transactions, one per thread and connection,
so it needs PostgreSQL (SQLite serialises writers and its test database is private to one
connection)."""

import threading

import pytest
from django.db import connection, connections

from wangge.cases.models import Case, Category
from wangge.fieldwork import actions
from wangge.fieldwork.models import BriefingTask, Checkin
from wangge.fieldwork.tests.factories import WORKING_MONDAY, briefing, patrol

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions are tested on PostgreSQL"),
]

ROUNDS = 5


def test_two_people_turning_one_task_into_a_case_at_once_file_one_case(small, worker_a, community_staff, catalogue):
    category = Category.objects.filter(district=small.district, parent__isnull=False, active=True).first()
    record = briefing(
        worker_a, small.grids[0], WORKING_MONDAY, tasks=[actions.TaskData(f"任务{i}") for i in range(ROUNDS)]
    )
    for task in BriefingTask.objects.filter(briefing=record).order_by("pk"):
        barrier = threading.Barrier(2)
        answers: list[int] = []

        def turn(user, task=task, barrier=barrier, answers=answers) -> None:
            try:
                barrier.wait(timeout=10)
                answers.append(actions.raise_case_from_task(user, task, category, small.buildings[0]).pk)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=turn, args=(user,)) for user in (worker_a, community_staff)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        task.refresh_from_db()
        assert len(answers) == 2 and set(answers) == {task.case_id}, answers
    assert Case.objects.count() == ROUNDS


def test_two_people_raising_a_case_from_one_checkin_at_once_file_one_case(small, worker_a, community_staff, catalogue):
    category = Category.objects.filter(district=small.district, parent__isnull=False, active=True).first()
    record = patrol(worker_a, small.grids[0], WORKING_MONDAY, [small.buildings[0]] * ROUNDS)
    for checkin in Checkin.objects.filter(patrol=record).order_by("pk"):
        barrier = threading.Barrier(2)
        answers: list[int] = []

        def turn(user, checkin=checkin, barrier=barrier, answers=answers) -> None:
            try:
                barrier.wait(timeout=10)
                answers.append(actions.raise_case_from_checkin(user, checkin, category, "楼道堵塞").pk)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=turn, args=(user,)) for user in (worker_a, community_staff)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        checkin.refresh_from_db()
        assert len(answers) == 2 and set(answers) == {checkin.case_id}, answers
    assert Case.objects.count() == ROUNDS
