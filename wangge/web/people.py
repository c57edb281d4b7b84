"""Web pages of the residents' registry: find a resident, one person's page (masked), and the
reveal of their personal data with a reason (PIPL).

Thin: scope comes from `wangge.people.queries` (404 outside it), reading in clear and its audit
from `wangge.people.actions`. A search term can be an ID or phone number, so the search is a
POST form: nothing typed ever reaches a URL, a log line or a message.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import AuditAction, User
from wangge.lib.errors import DomainError
from wangge.people.actions import PersonFields, reveal_personal_data, visible_fields, visible_fields_for
from wangge.people.models import (
    REVEALABLE_FIELDS,
    SENSITIVE_FACTS,
    HouseholdMember,
    MemberProfile,
    Person,
    WorkerProfile,
)
from wangge.people.queries import PersonSearch, SearchKind, may_read_personal_data, search_persons, visible_persons
from wangge.people.sensitive import fact_text
from wangge.web.second_factor import step_up
from wangge.web.views import page_for

PERSONS_PER_PAGE = 30
TERM_MAX = 100

SEARCH_KIND_LABELS = {
    SearchKind.ID_NUMBER: gettext_lazy("Searched by ID number (exact match)."),
    SearchKind.PHONE: gettext_lazy("Searched by phone number (exact match)."),
    SearchKind.SUFFIX: gettext_lazy("Searched by the last four characters of the ID or phone number."),
    SearchKind.TEXT: gettext_lazy("Searched in names and addresses."),
}
REVEAL_FIELD_LABELS = {
    "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("Phone"),
    "sensitive": gettext_lazy("Sensitive facts (health, disability, hardship)"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def sensitive_lines(shown: PersonFields | None) -> list[tuple[str, str]] | None:
    """The revealed sensitive facts as (label, text); None when they are not shown in clear."""
    if shown is None or shown.sensitive is None:
        return None
    return [
        (str(label), fact_text(key, shown.sensitive[key]))
        for key, label in SENSITIVE_FACTS.items()
        if key in shown.sensitive
    ]


# --- search ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@page_for("people")
def person_search(request: HttpRequest) -> HttpResponse:
    """One box; POST only, so that an ID or phone number typed never lands in a URL."""
    user = _user(request)
    context: dict[str, Any] = {"term": "", "searched": False}
    if request.method == "POST":
        term = request.POST.get("q", "")[:TERM_MAX]
        found: PersonSearch = search_persons(user, term)
        page = Paginator(found.persons, PERSONS_PER_PAGE).get_page(request.POST.get("page"))
        persons = list(page.object_list)
        shown = visible_fields_for(user, persons, ip_address=client_ip(request))
        rows = [(p, shown.get(p.pk)) for p in persons]
        context |= {
            "term": term,
            "searched": True,
            "kind": found.kind,
            "kind_label": SEARCH_KIND_LABELS.get(found.kind, ""),
            "error": found.error_message,
            "error_code": found.error_code,
            "page": page,
            "rows": rows,
        }
        if persons:
            # A page listing residents: audited (what kind of search and how many, never the term).
            record(
                user,
                AuditAction.PERSONAL_DATA_VIEWED,
                district_id=persons[0].district_id,
                ip_address=client_ip(request),
                detail={"page": "person_search", "search": found.kind, "residents": len(persons)},
            )
    status = 400 if context.get("error") else 200
    return render(request, "web/people/search.html", context, status=status)


# --- one person ----------------------------------------------------------------------------------


def _person_in_scope(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(visible_persons(_user(request)).select_related("district", "community", "grid"), pk=pk)


def _person_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    user = _user(request)
    shown = visible_fields(user, person, ip_address=client_ip(request))
    households = list(
        HouseholdMember.objects.filter(person=person).select_related("household").order_by("household__code")
    )
    member = MemberProfile.objects.filter(person=person).select_related("home_community", "org_unit").first()
    workers = list(WorkerProfile.objects.filter(person=person).select_related("area"))
    return {
        "person": person,
        "shown": shown,
        "sensitive": sensitive_lines(shown),
        "households": households,
        "member": member,
        "workers": workers,
        "can_reveal": may_read_personal_data(user, person) and person.anonymised_at is None,
        "reveal_fields": [(name, REVEAL_FIELD_LABELS[name]) for name in REVEALABLE_FIELDS],
        "chosen_fields": set(),  # least privilege: the user ticks what the reason needs
    }


@require_http_methods(["GET"])
@never_cache
@page_for("people")
def person(request: HttpRequest, pk: int) -> HttpResponse:
    found = _person_in_scope(request, pk)
    context = _person_context(request, found)
    record(
        _user(request),
        AuditAction.PERSONAL_DATA_VIEWED,
        obj=found,
        district_id=found.district_id,
        ip_address=client_ip(request),
        detail={"page": "person"},
    )
    return render(request, "web/people/person.html", context)


@require_POST
@never_cache
@page_for("people")
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the person's ID number, phone and sensitive facts in clear for a stated reason
    (audited; a grant that expires). The page then shows them until the grant runs out."""
    user = _user(request)
    found = _person_in_scope(request, pk)
    fields = [f for f in request.POST.getlist("fields") if f]  # nothing ticked: refused, never "all"
    try:
        result = reveal_personal_data(
            user, person=found, reason=request.POST.get("reason", ""), fields=fields, ip_address=client_ip(request)
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        sent = step_up(request, error, reverse("person", args=[found.pk]))
        if sent is not None:  # verify a second factor first, then come back to the page
            return sent
        context = _person_context(request, found)
        context |= {
            "reveal_error": error,
            "reveal_open": True,
            "reason": request.POST.get("reason", "")[:500],
            "chosen_fields": set(fields),
        }
        return render(request, "web/people/person.html", context, status=error.status)
    until = timezone.localtime(result["expires_at"])
    messages.success(
        request,
        _("Shown in clear until %(time)s. This reading has been recorded with your reason.")
        % {"time": f"{until:%H:%M}"},
    )
    return redirect("person", found.pk)
