"""One household visit's page: what was recorded (never the needs and note, only whether there
are any), the audited reveal of the needs and note with a stated reason, and the registry
corrections a move or a death the visit found calls for.

Thin views over `wangge.fieldwork.actions`: a visit outside what the user reads answers 404, a
reveal without a personal-data role over its grid too. The page is never cached (`no-store`):
the reveal answers the clear text in it.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode
from wangge.fieldwork import actions, notices, queries
from wangge.fieldwork.models import HouseholdChange, RecordKind, RecordVersion, Visit, VisitFlag
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.people.models import HouseholdMember, Person, PersonStatus
from wangge.web import pages
from wangge.web.second_factor import step_up
from wangge.web.views import page_for

# The changes whose registry correction the page offers, with the status each sets.
CORRECTIONS = {
    HouseholdChange.MOVED_OUT: PersonStatus.MOVED_AWAY,
    HouseholdChange.DEATH: PersonStatus.DECEASED,
}
NEWCOMERS = (HouseholdChange.MOVED_IN, HouseholdChange.BIRTH)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _visit(request: HttpRequest, pk: int) -> Visit:
    found = queries.visible_visits(_user(request)).select_related(
        "grid", "household__building", "recorded_by", "updated_by", "case"
    )
    return get_object_or_404(found, pk=pk)


def _labels(values: list[str], choices: type[HouseholdChange] | type[VisitFlag]) -> str:
    return _(", ").join(str(choices(v).label) for v in values if v in choices.values)


def _context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    user = _user(request)
    household: AreaNode = visit.household
    can_reveal = has_role_over(user, visit.grid, *PERSONAL_DATA_ROLES)
    corrections = [(change, status) for change, status in CORRECTIONS.items() if change in visit.changes]
    members = []
    if corrections and pages.can_read_personal_data(user, household):
        members = list(
            HouseholdMember.objects.filter(household_id=visit.household_id).select_related("person").order_by("id")
        )
    versions = RecordVersion.objects.filter(kind=RecordKind.VISIT, record_id=visit.pk).select_related("edited_by")
    return {
        "visit": visit,
        "household": household,
        "changes": _labels(visit.changes, HouseholdChange),
        "flags": _labels(visit.flags, VisitFlag),
        "has_needs": visit.needs_encrypted is not None,
        "has_note": visit.note_encrypted is not None,
        "versions": list(versions.order_by("-edited_at", "-id")),
        "can_reveal": can_reveal,
        "told": notices.told_about(visit, household),
        "corrections": [(status, PersonStatus(status).label) for _change, status in corrections],
        "members": members,
        "visit_day": timezone.localdate(visit.visited_at),
        "newcomers": _labels([c for c in NEWCOMERS if c in visit.changes], HouseholdChange),
        "imports_allowed": pages.allowed(user, "imports"),
    }


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The visit's page; one listing the household's registry members (masked) is audited as a
    reading of personal data, as the area pages are."""
    if context["members"]:
        visit: Visit = context["visit"]
        record(
            _user(request),
            AuditAction.PERSONAL_DATA_VIEWED,
            obj=visit.household,
            district_id=visit.district_id,
            ip_address=client_ip(request),
            detail={"page": "visit", "visit": visit.pk, "residents": len(context["members"])},
        )
    return render(request, "web/fieldwork/visit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@page_for("fieldwork")
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit; a POST with a reason answers its needs and note in clear (audited)."""
    visit = _visit(request, pk)
    context = _context(request, visit)
    status = 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            context["clear"] = actions.reveal_visit(_user(request), visit, reason, ip_address=client_ip(request))
        except DomainError as error:
            if error.status == 404:
                raise Http404 from None
            sent = step_up(request, error, request.path)
            if sent is not None:  # verify a second factor first, then come back to the visit
                return sent
            context |= {"reveal_error": error, "reason": reason[:500]}
            status = error.status
    return _render(request, context, status)


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


@require_POST
@never_cache
@page_for("fieldwork")
def visit_registry(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a member of the visited household moved away or deceased from a date, as the visit
    found: the registry's audited correction, with a reason naming the visit."""
    user = _user(request)
    visit = _visit(request, pk)
    raw = request.POST.get("person", "")
    person = Person.objects.filter(pk=int(raw)).first() if is_ascii_number(raw) and len(raw) < 19 else None
    on = _day(request.POST.get("on", "")) or timezone.localdate(visit.visited_at)
    try:
        if person is None:
            raise actions.not_a_household_member()
        actions.correct_registry_from_visit(user, visit, person, request.POST.get("status", ""), on)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        return _render(request, _context(request, visit) | {"registry_error": error}, error.status)
    messages.success(request, _("The registry is corrected."))
    return redirect("fieldwork_visit", pk=visit.pk)
