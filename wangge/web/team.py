"""The team's pages (队伍): the roster of a community or the district with its masked xlsx
export (audited), a worker's star-rated scores, one score explained down to the records it
counted, a supervisor's adjustment and the worker's appeal.

Thin views over `wangge.team.actions` and `queries`: a worker, score or area outside what the
user reads answers 404.
"""

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import assignments_of, has_role_over
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import visible_areas
from wangge.lib.errors import DomainError
from wangge.lib.replicas import replica_view
from wangge.lib.text import is_ascii_number
from wangge.lib.xlsx import Workbook
from wangge.people.models import WorkerProfile
from wangge.team import actions, queries
from wangge.team.models import AppealStatus, Score, WorkerStatus
from wangge.web.views import page_for

SCORES_SHOWN = 12


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _within(request: HttpRequest) -> AreaNode | None:
    raw = request.GET.get("area")
    if not raw:
        return None
    if not is_ascii_number(raw) or len(raw) > 18:
        raise Http404
    return get_object_or_404(visible_areas(_user(request)), pk=int(raw))


def _status(worker: WorkerProfile) -> str:
    entry = getattr(worker, "roster_entry", None)
    return str(entry.get_status_display() if entry is not None else WorkerStatus.ACTIVE.label)


def _started(worker: WorkerProfile) -> str:
    entry = getattr(worker, "roster_entry", None)
    return f"{entry.started_on:%Y-%m-%d}" if entry is not None and entry.started_on else ""


@require_GET
@page_for("team")
def roster(request: HttpRequest) -> HttpResponse:
    """Every worker in scope (or in `area`) with post, community, grid, unit, start and status."""
    within = _within(request)
    workers = list(queries.visible_workers(_user(request), within))
    rows = [(w, _status(w), _started(w)) for w in workers]
    districts = _run_districts(_user(request))
    context = {"within": within, "rows": rows, "may_run": bool(districts), "last_month": _last_month()}
    return render(request, "web/team/roster.html", context)


def _last_month() -> str:
    return f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}"


def _run_districts(user: User) -> list[AreaNode]:
    """The districts whose assessment the user runs: those they administer."""
    return [a.area for a in assignments_of(user) if a.role == Role.DISTRICT_ADMIN and a.area.level == Level.DISTRICT]


@require_POST
@page_for("team")
def run(request: HttpRequest) -> HttpResponse:
    """A district administrator computes and writes a period (the same as `wangge assessment run
    --commit`): idempotent, a rerun updates the same scores."""
    user = _user(request)
    districts = _run_districts(user)
    if not districts:
        raise Http404
    try:
        for district in districts:
            period, lines = actions.run_period(
                user, district=district, period_text=request.POST.get("period", ""), commit=True
            )
            messages.success(
                request,
                _("%(period)s assessed: %(count)s workers.") % {"period": period.label, "count": len(lines)},
            )
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    return redirect("team")


@require_GET
@page_for("team")
@replica_view
def roster_xlsx(request: HttpRequest) -> HttpResponse:
    """The roster as a spreadsheet, phones masked; the export is audited."""
    user = _user(request)
    within = _within(request)
    workers = list(queries.visible_workers(user, within))
    book = Workbook()
    sheet = book.sheet(_("Roster"))
    header = [_("Name"), _("Post"), _("Community"), _("Grid"), _("Unit"), _("Start date"), _("Status"), _("Phone")]
    body = [
        [
            w.person.name,
            w.get_kind_display(),
            w.community.name if w.community else "",
            w.grid.name if w.grid else "",
            w.person.employer,
            _started(w),
            _status(w),
            w.person.phone_masked,
        ]
        for w in workers
    ]
    sheet.table(header, body, widths=[12, 18, 16, 20, 20, 12, 10, 16], style=book.header)
    content = book.close()
    district_id = within.district_id if within else next((a.district_id for a in assignments_of(user)), None)
    record(
        user,
        AuditAction.EXPORTED,
        obj=within,
        district_id=district_id,
        ip_address=client_ip(request),
        detail={
            "export": "roster",
            "format": "xlsx",
            "area": within.pk if within else None,
            "rows": len(body),
            "masked": True,
        },
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="wangge-roster-{timezone.localdate():%Y-%m-%d}.xlsx"'
    return response


@require_GET
@page_for("team")
def worker(request: HttpRequest, pk: int) -> HttpResponse:
    """A worker's roster line and their latest scores."""
    found = get_object_or_404(queries.visible_workers(_user(request)), pk=pk)
    scores = list(Score.objects.filter(worker=found).order_by("-period_start")[:SCORES_SHOWN])
    context = {"worker": found, "status": _status(found), "started": _started(found), "scores": scores}
    return render(request, "web/team/worker.html", context)


@require_GET
@page_for("team")
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """One score explained: each indicator's value, points, weight and the records it counted;
    the star rule; the adjustments and appeals, with their forms where the user may use them."""
    user = _user(request)
    found = get_object_or_404(queries.visible_scores(user), pk=pk)
    appeals = list(found.appeals.select_related("by", "decided_by"))
    context = {
        "score": found,
        "parts": queries.drill_down(found),
        "adjustments": list(found.adjustments.select_related("by")),
        "appeals": appeals,
        "may_adjust": has_role_over(user, found.worker.area, *actions.SUPERVISING_ROLES),
        "may_appeal": found.worker.person.user_id == user.pk
        and not any(a.status == AppealStatus.OPEN for a in appeals),
        "stars_range": range(1, 6),
    }
    return render(request, "web/team/score.html", context)


def _stars(request: HttpRequest) -> int:
    raw = request.POST.get("stars", "")
    return int(raw) if is_ascii_number(raw) and len(raw) < 3 else 0


@require_POST
@page_for("team")
def adjust(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = get_object_or_404(queries.visible_scores(user), pk=pk)
    try:
        actions.adjust_score(user, found, stars=_stars(request), reason=request.POST.get("reason", ""))
        messages.success(request, _("The stars are adjusted."))
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    return redirect("team_score", pk=found.pk)


@require_POST
@page_for("team")
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = get_object_or_404(queries.visible_scores(user), pk=pk)
    try:
        if "decide" in request.POST:
            waiting = get_object_or_404(found.appeals.all(), status=AppealStatus.OPEN)
            actions.decide_appeal(
                user,
                waiting,
                upheld=request.POST.get("decide") == "uphold",
                decision=request.POST.get("decision", ""),
                stars=_stars(request) or None,
            )
            messages.success(request, _("The appeal is decided."))
        else:
            actions.appeal_score(user, found, text=request.POST.get("text", ""))
            messages.success(request, _("Your appeal is recorded."))
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    return redirect("team_score", pk=found.pk)
