"""The case catalogue of the district (/manage/catalogue/): its groups with their categories
(code, name, time limit, public or not, active or not, number of extra questions), filtered by
text, state and publicity; new groups and categories; each category's page with its settings,
its extra questions (added, edited, moved, removed) and the buttons to retire, reactivate or
delete it.

Thin: every change is an action of `wangge.cases.actions.catalogue`; a group or category of a
district the user does not administer does not exist (404).
"""

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.cases import actions
from wangge.cases.actions.units import managed_district_ids
from wangge.cases.models import Category, CategoryQuestion, QuestionType, TimeLimitUnit
from wangge.lib.errors import DomainError
from wangge.web.views import page_for

PAGE = "manage_catalogue"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def administered_districts(user: User) -> QuerySet[AreaNode]:
    """The districts whose catalogue the user administers; 404 for one who administers none."""
    managed = managed_district_ids(user)
    if managed is not None and not managed:
        raise Http404
    districts = AreaNode.objects.filter(level=Level.DISTRICT)
    return (districts if managed is None else districts.filter(pk__in=managed)).order_by("code")


def _entries(user: User) -> QuerySet[Category]:
    managed = managed_district_ids(user)
    if managed is not None and not managed:
        raise Http404
    return Category.objects.all() if managed is None else Category.objects.filter(district_id__in=managed)


def _entry(request: HttpRequest, pk: int) -> Category:
    entry = _entries(_user(request)).select_related("parent", "district").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def _refused(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


def _flag(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name) in ("1", "on", "true")


# --- the list -----------------------------------------------------------------------------

STATES = {"active": True, "retired": False}
PUBLICITY = {"public": True, "internal": False}


@require_GET
@never_cache
@page_for(PAGE)
def catalogue_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    districts = list(administered_districts(user))
    text = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "")
    public = request.GET.get("public", "")
    entries = _entries(user).filter(district__in=districts)
    categories = entries.filter(parent__isnull=False).annotate(questions_count=Count("questions"))
    if text:
        categories = categories.filter(Q(name__icontains=text) | Q(code__icontains=text))
    if state in STATES:
        categories = categories.filter(active=STATES[state])
    if public in PUBLICITY:
        categories = categories.filter(public=PUBLICITY[public])
    filtered = bool(text or state in STATES or public in PUBLICITY)
    by_group: dict[int, list[Category]] = {}
    for category in categories.order_by("order", "code"):
        by_group.setdefault(category.parent_id, []).append(category)  # type: ignore[arg-type]
    all_groups = list(
        entries.filter(parent__isnull=True).select_related("district").order_by("district__code", "order", "code")
    )
    groups = [
        {"group": group, "categories": by_group.get(group.pk, [])}
        for group in all_groups
        if not filtered or by_group.get(group.pk)
    ]
    context = {
        "groups": groups,
        "all_groups": all_groups,
        "districts": districts,
        "filters": {"q": text, "state": state, "public": public},
        "filtered": filtered,
        "units": TimeLimitUnit.choices,
    }
    return render(request, "web/manage/catalogue/list.html", context)


@require_POST
@page_for(PAGE)
def group_new(request: HttpRequest) -> HttpResponse:
    district = administered_districts(_user(request)).filter(pk=request.POST.get("district") or 0).first()
    if district is None:
        raise Http404
    try:
        group = actions.create_group(
            _user(request), district=district, code=request.POST.get("code", ""), name=request.POST.get("name", "")
        )
    except DomainError as error:
        _refused(request, error)
        return redirect("manage_catalogue")
    messages.success(request, _("Group %(name)s created.") % {"name": group.name})
    return redirect(f"{reverse('manage_catalogue')}#group-{group.pk}")


@require_POST
@page_for(PAGE)
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _entry(request, pk)
    try:
        actions.update_group(
            _user(request), group, code=request.POST.get("code", ""), name=request.POST.get("name", "")
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Group %(name)s saved.") % {"name": request.POST.get("name", "").strip()})
    return redirect(f"{reverse('manage_catalogue')}#group-{group.pk}")


def _settings_from(request: HttpRequest) -> dict[str, Any]:
    return {
        "description": request.POST.get("description", ""),
        "time_limit": request.POST.get("time_limit", ""),
        "time_limit_unit": request.POST.get("time_limit_unit", ""),
        "public": _flag(request, "public"),
        "public_location": _flag(request, "public_location"),
        "return_visit_required": _flag(request, "return_visit_required"),
        "reopen_when_unsatisfied": _flag(request, "reopen_when_unsatisfied"),
    }


@require_POST
@page_for(PAGE)
def category_new(request: HttpRequest) -> HttpResponse:
    group = _entries(_user(request)).filter(pk=request.POST.get("group") or 0, parent__isnull=True).first()
    if group is None:
        raise Http404
    try:
        category = actions.create_category(
            _user(request),
            group=group,
            code=request.POST.get("code", ""),
            name=request.POST.get("name", ""),
            time_limit=request.POST.get("time_limit", ""),
            time_limit_unit=request.POST.get("time_limit_unit", TimeLimitUnit.WORKING_DAYS),
        )
    except DomainError as error:
        _refused(request, error)
        return redirect(f"{reverse('manage_catalogue')}#group-{group.pk}")
    messages.success(
        request,
        _("Category %(name)s created. Add its extra questions below if it needs any.") % {"name": category.name},
    )
    return redirect("manage_catalogue_category", category.pk)


# --- a category's page ----------------------------------------------------------------------


def _choices_text(question: CategoryQuestion) -> str:
    return "\n".join(c["name"] for c in question.choices)


def _category_page(request: HttpRequest, category: Category, *, values: Any = None, status: int = 200) -> HttpResponse:
    questions = list(category.questions.all())
    for question in questions:
        question.choices_text = _choices_text(question)  # type: ignore[attr-defined]
    context = {
        "category": category,
        "groups": Category.objects.filter(district_id=category.district_id, parent__isnull=True).order_by(
            "order", "code"
        ),
        "questions": questions,
        "question_types": QuestionType.choices,
        "units": TimeLimitUnit.choices,
        "values": values,
        "cases": category.cases.count(),
    }
    return render(request, "web/manage/catalogue/category.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@page_for(PAGE)
def category_detail(request: HttpRequest, pk: int) -> HttpResponse:
    category = _entry(request, pk)
    if category.parent_id is None:
        return redirect(f"{reverse('manage_catalogue')}#group-{category.pk}")
    if request.method == "GET":
        return _category_page(request, category)
    group = _entries(_user(request)).filter(pk=request.POST.get("group") or 0, parent__isnull=True).first()
    try:
        actions.update_category(
            _user(request),
            category,
            group=group or category.parent,
            code=request.POST.get("code", ""),
            name=request.POST.get("name", ""),
            **_settings_from(request),
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, error.message, extra_tags=error.code)
        return _category_page(request, category, values=request.POST, status=400)
    messages.success(request, _("Category %(name)s saved.") % {"name": request.POST.get("name", "").strip()})
    return redirect("manage_catalogue_category", category.pk)


def _back(entry: Category) -> HttpResponse:
    if entry.parent_id is None:
        return redirect(f"{reverse('manage_catalogue')}#group-{entry.pk}")
    return redirect("manage_catalogue_category", entry.pk)


@require_POST
@page_for(PAGE)
def entry_retire(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    try:
        actions.retire_category(_user(request), entry)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s is retired: new cases cannot be filed under it.") % {"name": entry.name})
    return _back(entry)


@require_POST
@page_for(PAGE)
def entry_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    try:
        actions.reactivate_category(_user(request), entry)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s is active again.") % {"name": entry.name})
    return _back(entry)


@require_POST
@page_for(PAGE)
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    try:
        actions.delete_category(_user(request), entry)
    except DomainError as error:
        _refused(request, error)
        return _back(entry)
    messages.success(request, _("%(name)s deleted.") % {"name": entry.name})
    return redirect("manage_catalogue")


# --- extra questions --------------------------------------------------------------------------


def _question_values(request: HttpRequest) -> dict[str, Any]:
    return {
        "code": request.POST.get("code", ""),
        "label": request.POST.get("label", ""),
        "datatype": request.POST.get("datatype", ""),
        "required": _flag(request, "required"),
        "choices": [line for line in request.POST.get("choices", "").splitlines() if line.strip()],
    }


def _question(request: HttpRequest, pk: int, question_id: int) -> CategoryQuestion:
    category = _entry(request, pk)
    question = category.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    question.category = category
    return question


def _to_questions(category: Category) -> HttpResponse:
    return redirect(f"{reverse('manage_catalogue_category', args=[category.pk])}#questions")


@require_POST
@page_for(PAGE)
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    category = _entry(request, pk)
    try:
        question = actions.add_question(_user(request), category, **_question_values(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Question “%(label)s” added.") % {"label": question.label})
    return _to_questions(category)


@require_POST
@page_for(PAGE)
def question_edit(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    question = _question(request, pk, question_id)
    try:
        actions.update_question(_user(request), question, **_question_values(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Question “%(label)s” saved.") % {"label": question.label})
    return _to_questions(question.category)


@require_POST
@page_for(PAGE)
def question_remove(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    question = _question(request, pk, question_id)
    try:
        actions.remove_question(_user(request), question)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Question “%(label)s” removed; answers already given stay in their cases.") % {"label": question.label},
        )
    return _to_questions(question.category)


@require_POST
@page_for(PAGE)
def question_move(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    question = _question(request, pk, question_id)
    order = list(question.category.questions.values_list("pk", flat=True))
    position = order.index(question.pk)
    other = position - 1 if request.POST.get("direction") == "up" else position + 1
    if 0 <= other < len(order):
        order[position], order[other] = order[other], order[position]
        try:
            actions.reorder_questions(_user(request), question.category, order)
        except DomainError as error:
            _refused(request, error)
    return _to_questions(question.category)


urlpatterns = [
    path("catalogue/", catalogue_list, name="manage_catalogue"),
    path("catalogue/groups/new/", group_new, name="manage_catalogue_group_new"),
    path("catalogue/groups/<int:pk>/", group_edit, name="manage_catalogue_group_edit"),
    path("catalogue/new/", category_new, name="manage_catalogue_category_new"),
    path("catalogue/<int:pk>/", category_detail, name="manage_catalogue_category"),
    path("catalogue/<int:pk>/retire/", entry_retire, name="manage_catalogue_retire"),
    path("catalogue/<int:pk>/reactivate/", entry_reactivate, name="manage_catalogue_reactivate"),
    path("catalogue/<int:pk>/delete/", entry_delete, name="manage_catalogue_delete"),
    path("catalogue/<int:pk>/questions/", question_add, name="manage_catalogue_question_add"),
    path("catalogue/<int:pk>/questions/<int:question_id>/", question_edit, name="manage_catalogue_question_edit"),
    path(
        "catalogue/<int:pk>/questions/<int:question_id>/remove/",
        question_remove,
        name="manage_catalogue_question_remove",
    ),
    path("catalogue/<int:pk>/questions/<int:question_id>/move/", question_move, name="manage_catalogue_question_move"),
]
