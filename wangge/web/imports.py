"""Web pages of ledger imports: the list of imports, the upload wizard (a dry run in the
background, its progress polled with htmx, its report, then commit or discard), the error
report download, and the merge-review queue (decide per field, undo a merge).

Thin: who may import and every change is decided by `wangge.ledgers.actions`; scope and
progress come from `wangge.ledgers.queries` (404 outside scope). No value of a row is shown
except masked, and none is ever put in a URL or a message.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, User
from wangge.accounts.scope import assignments_of, has_role
from wangge.areas.models import AreaNode, Level
from wangge.ledgers import actions
from wangge.ledgers.layouts import field_label
from wangge.ledgers.models import ImportRun, Layout, Merge, ReviewItem, ReviewKind, ReviewState, RunMode, RunState
from wangge.ledgers.queries import (
    get_review_item,
    get_run,
    merges_of,
    progress,
    report_path,
    review_queue,
    run_report,
    visible_runs,
)
from wangge.lib.errors import DomainError
from wangge.orgs.models import OrgUnit
from wangge.people.models import (
    SENSITIVE_FACTS,
    Education,
    Gender,
    MemberKind,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
)
from wangge.web.views import page_for, page_or_fragment

RUNS_PER_PAGE = 30
ITEMS_PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Choice codes of the facts a review item compares, shown by their labels.
CHOICE_LABELS: dict[str, Any] = {
    "gender": Gender,
    "residence_status": ResidenceStatus,
    "political_status": PoliticalStatus,
    "education": Education,
    "relation": Relation,
    "member_kind": MemberKind,
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def may_import(user: User) -> bool:
    """Whether the user holds a role that imports residents' data somewhere (the action decides
    the district: `import_forbidden` otherwise)."""
    return has_role(user, *PERSONAL_DATA_ROLES)


def _require_importer(user: User) -> None:
    if not may_import(user):
        raise Http404


def _districts(user: User) -> list[AreaNode]:
    """The districts in which the user may import (a personal-data role there)."""
    nodes = AreaNode.objects.filter(level=Level.DISTRICT).order_by("code")
    if user.is_superuser:
        return list(nodes)
    ids = {a.district_id for a in assignments_of(user) if a.role in PERSONAL_DATA_ROLES}
    return list(nodes.filter(pk__in=ids))


def _fail(error: DomainError) -> None:
    """A 404 from an action is a 404 page: out of scope looks like nothing there."""
    if error.status == 404:
        raise Http404


def _refused(request: HttpRequest, error: DomainError) -> None:
    """An action's refusal as a message on the next page (a 404 stays a 404)."""
    _fail(error)
    messages.error(request, error.message, extra_tags=error.code)


def _run_in_scope(request: HttpRequest, pk: int) -> ImportRun:
    try:
        return get_run(_user(request), pk)
    except DomainError as error:
        _fail(error)
        raise


# --- the list and the wizard ---------------------------------------------------------------------


@require_GET
@page_for("imports")
def import_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_importer(user)
    runs = visible_runs(user).select_related("created_by").order_by("-created_at", "-id")
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/imports/list.html", {"page": page, "query": ""})


@require_http_methods(["GET", "POST"])
@page_for("imports")
def import_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_importer(user)
    districts = _districts(user)
    context: dict[str, Any] = {
        "districts": districts,
        "layouts": Layout.choices,
        "chosen_layout": request.POST.get("layout", Layout.GRID),
        "chosen_district": request.POST.get("district", ""),
    }
    if request.method == "GET":
        return render(request, "web/imports/new.html", context)
    try:
        district = next((d for d in districts if str(d.pk) == request.POST.get("district")), None)
        if district is None and len(districts) == 1:
            district = districts[0]
        if district is None:
            raise DomainError("district_required", _("Choose the district the ledger belongs to."))
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("file_required", _("Choose the ledger file to upload."))
        layout = request.POST.get("layout", "")
        run = actions.start_import(user, district, upload, layout, commit=False)
    except DomainError as error:
        context["error"] = error
        return render(request, "web/imports/new.html", context, status=error.status)
    return redirect("import_run", run.pk)


COUNT_LABELS = [
    ("rows", gettext_lazy("Rows")),
    ("new", gettext_lazy("New")),
    ("matched", gettext_lazy("Matched")),
    ("review", gettext_lazy("Possible matches")),
    ("conflicts", gettext_lazy("Conflicts")),
    ("invalid", gettext_lazy("Invalid")),
    ("held", gettext_lazy("Held for review by a higher level")),
]


def _run_context(run: ImportRun) -> dict[str, Any]:
    state = progress(run)
    finished = state["state"] in (RunState.SUCCEEDED, RunState.FAILED)
    report = run_report(run) if finished and state["state"] == RunState.SUCCEEDED else None
    return {
        "run": run,
        "progress": state,
        "finished": finished,
        "report": report,
        "committable": run.mode == RunMode.DRY_RUN and run.state == RunState.SUCCEEDED and bool(run.stored_file),
        "counts": [(name, label, state["counts"][name]) for name, label in COUNT_LABELS] if state["counts"] else [],
    }


@require_GET
@never_cache
@page_for("imports")
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's progress (polled by htmx every second until it has finished) and its report."""
    run = _run_in_scope(request, pk)
    context = _run_context(run)
    return page_or_fragment(request, "web/imports/run.html", "status", context)


@require_POST
@page_for("imports")
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_in_scope(request, pk)
    try:
        committed = actions.commit_import(_user(request), run)
    except DomainError as error:
        _refused(request, error)
        return redirect("import_run", run.pk)
    messages.success(request, _("The import has started. The registry changes once it has finished."))
    return redirect("import_run", committed.pk)


@require_POST
@page_for("imports")
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_in_scope(request, pk)
    try:
        actions.discard_upload(_user(request), run)
    except DomainError as error:
        _refused(request, error)
        return redirect("import_run", run.pk)
    messages.success(request, _("The uploaded file has been deleted; nothing was imported."))
    return redirect("imports")


@require_GET
@never_cache
@page_for("imports")
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's error report (.xlsx; names and numbers masked). Every download is audited."""
    run = _run_in_scope(request, pk)
    path = report_path(run)
    if path is None:
        raise Http404
    record(
        _user(request),
        AuditAction.EXPORTED,
        obj=run,
        district_id=run.district_id,
        ip_address=client_ip(request),
        detail={"export": "import_report", "format": "xlsx", "run": run.pk, "masked": True},
    )
    filename = f"wangge-import-{run.pk}-report.xlsx"
    response = HttpResponse(path.read_bytes(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the review queue ----------------------------------------------------------------------------

QUEUE_STATES = [ReviewState.OPEN, ReviewState.MERGED, ReviewState.KEPT_SEPARATE, ReviewState.DISMISSED]


@require_GET
@page_for("imports")
def review_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_importer(user)
    state = request.GET.get("state") or ReviewState.OPEN
    if state not in ReviewState.values:
        raise Http404
    items: QuerySet[ReviewItem] = review_queue(user, state)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.field_labels = [field_label(f) for f in item.differing_fields]  # type: ignore[attr-defined]
    context = {
        "page": page,
        "state": state,
        "states": [(s.value, s.label) for s in QUEUE_STATES],
        "query": f"state={state}",
    }
    return render(request, "web/imports/review_list.html", context)


def _item_in_scope(request: HttpRequest, pk: int) -> ReviewItem:
    try:
        return get_review_item(_user(request), pk)
    except DomainError as error:
        _fail(error)
        raise


def _value_text(name: str, value: Any, org_units: dict[int, str]) -> str:
    """A compared value for the reviewer: choice codes by their labels; sensitive facts only as
    "recorded" or "none" (the values are sensitive personal information: reveal them on the
    person's page, with a reason)."""
    if name in SENSITIVE_FACTS:
        return _("recorded (hidden)") if value not in (None, "", False, {}) else "—"
    if value in (None, ""):
        return "—"
    if name in CHOICE_LABELS:
        choices = CHOICE_LABELS[name]
        return str(choices(value).label) if value in choices.values else str(value)
    if name == "org_unit":
        return org_units.get(int(value), "—")
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _item_context(request: HttpRequest, item: ReviewItem) -> dict[str, Any]:
    user = _user(request)
    rows = actions.review_detail(user, item, ip_address=client_ip(request))
    units = {r[k] for r in rows if r["field"] == "org_unit" for k in ("registry", "incoming") if r[k]}
    org_units = dict(OrgUnit.objects.filter(pk__in=units).values_list("pk", "name")) if units else {}
    for row in rows:
        row["registry_text"] = _value_text(row["field"], row["registry"], org_units)
        row["incoming_text"] = _value_text(row["field"], row["incoming"], org_units)
    merges = list(merges_of(user, item).order_by("-created_at", "-id"))
    latest = next((m for m in merges if m.undone_at is None), None)
    for merge in merges:
        merge.field_labels = [field_label(f) for f in merge.changed_fields]  # type: ignore[attr-defined]
    return {
        "item": item,
        "rows": rows,
        "merges": merges,
        "undoable": latest,
        "is_open": item.state == ReviewState.OPEN,
        "may_keep_separate": item.kind == ReviewKind.POSSIBLE_MATCH,
    }


@require_GET
@never_cache
@page_for("imports")
def review_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_in_scope(request, pk)
    return render(request, "web/imports/review_item.html", _item_context(request, item))


@require_POST
@page_for("imports")
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = _item_in_scope(request, pk)
    decision = request.POST.get("decision", actions.Decision.MERGE)
    choices = {
        name: request.POST[f"choice_{name}"] for name in item.differing_fields if f"choice_{name}" in request.POST
    }
    try:
        actions.decide_review(user, item, choices if decision == actions.Decision.MERGE else None, decision=decision)
    except DomainError as error:
        _fail(error)
        context = _item_context(request, item)
        for row in context["rows"]:
            row["chosen"] = choices.get(row["field"], "registry")
        context["error"] = error
        return render(request, "web/imports/review_item.html", context, status=error.status)
    labels = {
        actions.Decision.MERGE: _("Merged into the registered person."),
        actions.Decision.KEEP_SEPARATE: _("Kept separate: the row was registered as a new person."),
        actions.Decision.DISMISS: _("Dismissed: the registry stays as it is."),
    }
    messages.success(request, labels[decision])
    return redirect("review_item", item.pk)


@require_POST
@page_for("imports")
def review_undo(request: HttpRequest, pk: int, merge_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_in_scope(request, pk)
    merge: Merge | None = merges_of(user, item).filter(pk=merge_id).first()
    if merge is None:
        raise Http404
    try:
        actions.undo_merge(user, merge)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The merge has been undone; the item is open again."))
    return redirect("review_item", item.pk)
