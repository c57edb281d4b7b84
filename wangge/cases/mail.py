"""E-mail copies of the in-app notifications about cases, sent by the task queue after the
transaction that wrote the notifications has committed (`wangge worker` runs them)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task

from wangge.accounts.models import User


@task()
def send_case_email(user_ids: list[int], case_number: str, text: str) -> int:
    """E-mail copies of an in-app notification (no personal data in the message); the subject
    names the case when there is one (`case_number` empty: a notice about no case)."""
    sent = 0
    subject = f"[{case_number}] {text}" if case_number else text
    for user in User.objects.filter(pk__in=user_ids, is_active=True).exclude(email=""):
        sent += send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    return sent
