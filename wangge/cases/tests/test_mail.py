"""E-mail copies of notifications: queued once the action's transaction commits, sent by the
task queue to the notified users that have an address."""

from django.core import mail
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from wangge.cases import actions
from wangge.cases.mail import send_case_email
from wangge.cases.models import Category, Channel

IN_GRID_0 = (117.005, 36.605)


def test_the_units_staff_with_an_address_get_a_copy_once_the_dispatch_commits(
    small, catalogue, worker_a, district_admin, dept_a, django_capture_on_commit_callbacks
):
    dept_a.email = "dept_a@example.org"
    dept_a.save(update_fields=["email"])
    category = Category.objects.get(code="SZ01")
    case = actions.file_case(
        worker_a,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )
    case = actions.accept(district_admin, case)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.dispatch(district_admin, case)
        assert not DBTaskResult.objects.exists()  # nothing queued before the commit
    for callback in callbacks:
        callback()

    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "wangge.cases.mail.send_case_email"
    assert queued.task.func is send_case_email.func
    assert send_case_email.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"]) == 1
    [message] = mail.outbox
    assert message.to == ["dept_a@example.org"]
    assert message.subject.startswith(f"[{case.number}] ")


def test_rows_queued_under_the_tasks_module_path_still_find_the_e_mail_task():
    assert import_string("wangge.cases.tasks.send_case_email") is send_case_email
