"""Background tasks of the case chain (run by `wangge worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task

from wangge.accounts.models import User


@task()
def send_case_email(user_ids: list[int], case_number: str, text: str) -> int:
    """E-mail copies of an in-app notification (no personal data in the message)."""
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).exclude(email=""):
        sent += send_mail(f"[{case_number}] {text}", text, settings.DEFAULT_FROM_EMAIL, [user.email])
    return sent


@task()
def sweep_overdue_cases() -> int:
    from wangge.cases.actions import sweep_overdue

    return sweep_overdue()
