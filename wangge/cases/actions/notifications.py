"""Notifications: the in-app notice written with the action (about a case, or a notice another
app sends through `notify`), its e-mail copy queued once the action's transaction commits, and
marking notices read. Who is told what about cases: the unit when a case is dispatched, sent back
or reopened; the reporter when a report is not accepted and when it waits for their rating; the
filer and the reporter when it is closed off."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.cases.mail import send_case_email
from wangge.cases.models import Case, Notification


def notify(users: Iterable[User], case: Case | None, text: str) -> list[Notification]:
    """In-app notices now (about a case, or none: another app's notice), one per user; e-mail
    copies through the task queue once the transaction commits. The notices written."""
    recipients = {u.pk: u for u in users if u is not None}
    if not recipients:
        return []
    written = Notification.objects.bulk_create(
        [Notification(user=u, case=case, text=text) for u in recipients.values()]
    )
    ids = [u.pk for u in recipients.values() if u.email]
    number = case.number if case is not None else ""
    if ids:
        transaction.on_commit(lambda: send_case_email.enqueue(ids, number, text))
    return written


def notify_closed(acting_user: User | None, case: Case) -> None:
    """销号: the one who filed the case and its reporter (when another user) are told, unless
    they closed it themselves."""
    told = [u for u in (case.filed_by, case.reporter) if u is not None and u != acting_user]
    notify(told, case, _("Case %(number)s was closed off.") % {"number": case.number})


def notify_ready_to_rate(acting_user: User | None, case: Case) -> None:
    """A verified case that waits for its return visit: the reporter is asked for their rating."""
    if case.reporter is not None and case.reporter != acting_user:
        notify(
            [case.reporter],
            case,
            _("Case %(number)s was handled and checked: tell us whether you are satisfied.") % {"number": case.number},
        )


def mark_notifications_read(acting_user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (all of them, or those of `ids`); how many."""
    unread = Notification.objects.filter(user=acting_user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
