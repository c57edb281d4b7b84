"""Web pages of the case chain: worklists, filing, the case with the steps the user may take,
the map of cases, and the public board (挂牌公示, no login, no personal data).

Thin: scope comes from `wangge.cases.queries` (404 outside it), permission and the action from
`wangge.cases.steps` (the same code the API runs); errors come back as translated messages.
"""

from typing import Any
from urllib.parse import urlencode

import pydantic
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.models import User
from wangge.accounts.scope import has_role
from wangge.api import ratelimit
from wangge.areas.locate import grid_index
from wangge.areas.models import AreaNode, Level
from wangge.areas.search import Building, find_buildings
from wangge.cases import actions, policy, steps
from wangge.cases.detail import case_detail, supervising_bodies, timeline_items
from wangge.cases.errors import CaseError
from wangge.cases.models import (
    Case,
    Category,
    Channel,
    EventKind,
    HandlingUnit,
    Notification,
    Satisfaction,
    SupervisionLevel,
)
from wangge.cases.queries import (
    AREA_CASE_ROLES,
    Worklist,
    is_case_number_text,
    nearby_open_cases,
    public_board,
    search_cases,
    units_for,
    visible_cases,
    with_flags,
    worklist,
    worklists_for,
)
from wangge.cases.schemas import DecideIn, FinishIn
from wangge.cases.workflow import OPEN_STATES, State
from wangge.fieldwork.notices import visit_link_for
from wangge.lib.counting import COUNT_CAP, capped_count
from wangge.lib.errors import DomainError
from wangge.lib.geo import CRS_CHOICES, check_coordinates, from_wgs84, to_wgs84
from wangge.lib.matching import spellings
from wangge.lib.replicas import replica_view
from wangge.lib.text import is_ascii_number
from wangge.web import pages
from wangge.web.views import map_config, scoped_page

CASES_PER_PAGE = 30
# Characters of the description a list shows.
EXCERPT_LENGTH = 40


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (`wangge.lib.counting`)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.cap)  # type: ignore[arg-type]

    @property
    def capped(self) -> bool:
        return self.count > self.cap


MAP_POINTS = 2000
# The pick map shows buildings one step earlier than other maps: a grid framed on a phone shows them.
PICK_BUILDINGS_MIN_ZOOM = 15
# Seconds browsers and proxies may keep the board's grid outlines and its points (the same for everyone).
BOARD_GRIDS_MAX_AGE = 600
BOARD_DATA_MAX_AGE = 60

STEP_LABELS = {
    "accept": gettext_lazy("Accept and tag"),
    "reject": gettext_lazy("Do not accept"),
    "merge": gettext_lazy("Merge as a duplicate"),
    "category": gettext_lazy("Change the category"),
    "dispatch": gettext_lazy("Dispatch"),
    "start": gettext_lazy("Start handling"),
    "hold": gettext_lazy("Put on hold"),
    "resume": gettext_lazy("Resume"),
    "return": gettext_lazy("Return: not ours"),
    "handle": gettext_lazy("Report handled"),
    "co-handlers": gettext_lazy("Add a co-handling unit"),
    "extension": gettext_lazy("Ask for more time"),
    "verify": gettext_lazy("Check the result"),
    "visit": gettext_lazy("Record the return visit"),
    "close": gettext_lazy("Close off"),
    "urge": gettext_lazy("Urge"),
    "supervise": gettext_lazy("Supervise"),
    "photos": gettext_lazy("Add a photo"),
}
# Channels staff file through; residents always file through the web.
STAFF_CHANNELS = [Channel.PATROL, Channel.VISIT, Channel.PHONE, Channel.PETITION]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _districts(user: User) -> QuerySet[AreaNode]:
    districts = steps.user_districts(user)
    nodes = AreaNode.objects.filter(level=Level.DISTRICT)
    return nodes if districts is None else nodes.filter(pk__in=districts)


def _categories(user: User) -> list[Category]:
    districts = steps.user_districts(user)
    categories = Category.objects.filter(parent__isnull=False, active=True).select_related("parent")
    if districts is not None:
        categories = categories.filter(district_id__in=districts)
    return list(categories.order_by("district_id", "parent__order", "order", "code"))


def _groups(user: User) -> list[Category]:
    districts = steps.user_districts(user)
    groups = Category.objects.filter(parent__isnull=True)
    return list(groups if districts is None else groups.filter(district_id__in=districts))


def _filter(cases: QuerySet[Case], params: Any) -> tuple[QuerySet[Case], dict[str, str]]:
    """The list filters shared by the worklists, the case map and the board. A state narrows
    what it is given; the worklists are first widened to every state by `_list_states`."""
    chosen = {key: params.get(key, "") for key in ("state", "category", "flag")}
    states = _list_states(chosen["state"])
    if states is not None:
        cases = cases.filter(state__in=sorted(states))
    if is_ascii_number(chosen["category"]) and len(chosen["category"]) < 19:
        # A group or one category, resolved to category ids first: a plain `category_id IN (…)`
        # lets the database walk the list's index instead of joining every case's category.
        category = int(chosen["category"])
        ids = Category.objects.filter(Q(pk=category) | Q(parent_id=category)).values_list("pk", flat=True)
        cases = cases.filter(category_id__in=list(ids))
    if chosen["flag"] == "overdue":
        cases = cases.filter(overdue=True)
    elif chosen["flag"] == "due_soon":
        cases = cases.filter(due_soon=True)  # type: ignore[misc]  # annotated by with_flags
    return cases, chosen


# The states a list can be filtered by: each state a case rests in, once. A case passes through
# "return visit done" inside the return visit's own step (closed off or reopened at once).
LISTED_STATES = [(value, label) for value, label in State.choices if value != State.VISITED]


def _list_states(value: str) -> frozenset[str] | None:
    """The states a state filter stands for: `open`, `all`, or one state; None for the list's own."""
    if value == "open":
        return OPEN_STATES
    if value == "all":
        return frozenset(State.values)
    if value in State.values:
        return frozenset({value})
    return None


def _params(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else request.GET


def _list_name(request: HttpRequest, names: list[str]) -> str:
    name = _params(request).get("list") or names[0]
    if name not in names:
        raise Http404
    return name


# What the list's address keeps: the search text only when it is a case number (words of a
# description may name a person, and addresses are logged: docs/decisions.md).
LIST_PARAMS = ("list", "state", "category", "flag", "q")


def _address(params: Any) -> QueryDict:
    kept = QueryDict(mutable=True)
    for key in LIST_PARAMS:
        value = params.get(key, "").strip()
        if value and (key != "q" or is_case_number_text(value)):
            kept[key] = value
    return kept


@require_http_methods(["GET", "POST"])
@scoped_page
def case_list(request: HttpRequest) -> HttpResponse:
    """A worklist, filtered, and searched by case number (in the address) or by words of the
    description (posted, never in the address: the answer is the page itself)."""
    user = _user(request)
    params = _params(request)
    names = worklists_for(user)
    name = _list_name(request, names)
    text = params.get("q", "").strip()[:100]
    if request.method == "POST" and (not text or is_case_number_text(text)):
        return redirect(f"{reverse('cases')}?{_address(params).urlencode()}")
    if request.method == "GET" and not is_case_number_text(text):
        text = ""  # words come by POST only
    states = _list_states(params.get("state", ""))
    cases = with_flags(worklist(user, name, states)).select_related("category", "grid", "unit", "building")
    cases, chosen = _filter(cases, params)
    cases = search_cases(cases, text)
    page = CappedPaginator(cases, CASES_PER_PAGE).get_page(params.get("page"))
    context = {
        "lists": [(n, Worklist(n).label) for n in names],
        "current": name,
        "page": page,
        "chosen": {**chosen, "q": text},
        "groups": _groups(user),
        "states": LISTED_STATES,
        "query": _address(params).urlencode(),
        "posted": request.method == "POST",
        "excerpt_length": EXCERPT_LENGTH,
    }
    return render(request, "web/cases/list.html", context)


@require_GET
@scoped_page
def case_map(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    names = worklists_for(user)
    name = _list_name(request, names)
    params = request.GET.copy()
    params["list"] = name
    context = {
        "lists": [(n, Worklist(n).label) for n in names],
        "current": name,
        "chosen": {key: request.GET.get(key, "") for key in ("state", "category", "flag")},
        "groups": _groups(user),
        "states": LISTED_STATES,
        "map_config": map_config(request, geojson_url=f"{reverse('case_map_data')}?{params.urlencode()}"),
    }
    return render(request, "web/cases/map.html", context)


def _features(cases: QuerySet[Case], url_name: str | None) -> dict[str, Any]:
    """Cases as GeoJSON points in the tiles' coordinate system (the newest MAP_POINTS)."""
    crs = settings.MAP_TILE_CRS
    features = []
    for case in cases.exclude(lng=None).select_related("category")[:MAP_POINTS]:
        lng, lat = from_wgs84(case.lng, case.lat, crs)  # type: ignore[arg-type]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lng, 6), round(lat, 6)]},
                "properties": {
                    "number": case.number,
                    "category": case.category.name,
                    "state": str(case.get_state_display()),
                    "flag": "overdue" if case.overdue else "due_soon" if getattr(case, "due_soon", False) else "",
                    "url": reverse(url_name, args=[case.pk]) if url_name else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _geojson(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False})


@require_GET
@never_cache
@scoped_page
def case_map_data(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    name = _list_name(request, worklists_for(user))
    states = _list_states(request.GET.get("state", ""))
    cases, _chosen = _filter(with_flags(worklist(user, name, states)), request.GET)
    return _geojson(_features(cases, "case"))


# --- filing ----------------------------------------------------------------------------------


def _answers(request: HttpRequest, category: Category | None) -> dict[str, Any]:
    if category is None:
        return {}
    answers: dict[str, Any] = {}
    for question in category.questions.all():
        key = f"answer_{question.code}"
        value: Any = request.POST.getlist(key) if question.datatype == "multiple" else request.POST.get(key, "")
        if value not in ("", []):
            answers[question.code] = value
    return answers


def _question_rows(category: Category | None, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The category's questions with what was answered, for the form to show them again."""
    if category is None:
        return []
    rows = []
    for question in category.questions.all():
        value = answers.get(question.code, "")
        chosen = [str(v) for v in value] if isinstance(value, list) else [str(value)] if value != "" else []
        rows.append({"q": question, "value": value if not isinstance(value, list) else "", "chosen": chosen})
    return rows


def _with_search_text[T: Category | HandlingUnit](items: list[T]) -> list[T]:
    """Each category or unit with what a filter over its select matches it by (`search_text`):
    its name (and its group's), with their pinyin and initials (`wangge.lib.matching`)."""
    for item in items:
        parent = getattr(item, "parent", None)
        names: list[str] = [item.name, parent.name if parent else ""]
        spelled: list[str] = [part for name in names for part in spellings(name)]
        setattr(item, "search_text", " ".join([*names, *spelled]).lower())  # noqa: B010
    return items


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def _crs(raw: str | None) -> str:
    """The coordinate system of the posted point: the tiles' unless the phone's position was
    used (`wgs84`)."""
    crs = raw or settings.MAP_TILE_CRS
    if crs not in CRS_CHOICES:
        raise DomainError("bad_crs", _("Unknown coordinate system; use wgs84, gcj02 or bd09."))
    return crs


def _chosen_building(user: User, raw: str | None) -> AreaNode | None:
    """The building the form names, within the user's districts (a stable error otherwise)."""
    if not raw:
        return None
    districts = steps.user_districts(user)
    buildings = AreaNode.objects.filter(level=Level.BUILDING).select_related("grid")
    if districts is not None:
        buildings = buildings.filter(district_id__in=districts)
    building = buildings.filter(pk=int(raw)).first() if is_ascii_number(raw) and len(raw) < 19 else None
    if building is None:
        raise DomainError(CaseError.NOT_A_BUILDING, _("Choose a building of your district."))
    return building


def _place_items(buildings: list[Building]) -> list[dict[str, Any]]:
    """Buildings as the search's buttons carry them: id, label and point in the tiles' system."""
    items = []
    for b in buildings:
        point = ("", "")
        if b.lng is not None and b.lat is not None:
            lng, lat = from_wgs84(b.lng, b.lat, settings.MAP_TILE_CRS)
            point = (f"{lng:.7f}", f"{lat:.7f}")
        items.append(
            {
                "pk": b.pk,
                "name": b.name,
                "address": b.address,
                "grid": b.grid_name,
                "label": b.label,
                "lng": point[0],
                "lat": point[1],
            }
        )
    return items


@require_GET
@scoped_page
def place_search(request: HttpRequest) -> HttpResponse:
    """The buildings in the user's scope matching what is typed (htmx fragment of the filing
    form's building search). Building names are not personal data: a GET is fine."""
    query = request.GET.get("q", "")[:100]
    found = [building for building, _score in find_buildings(_user(request), query)]
    return render(request, "web/cases/_places.html", {"places": _place_items(found), "query": query})


def _building_label(building: AreaNode | None) -> str:
    if building is None:
        return ""
    grid = building.grid.name if building.grid else ""
    text = f"{grid} {building.name}".strip()
    return f"{text} · {building.address}" if building.address else text


@require_http_methods(["GET", "POST"])
@scoped_page
def case_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    categories = _categories(user)
    staff = has_role(user, *AREA_CASE_ROLES)
    context: dict[str, Any] = {
        "categories": _with_search_text(categories),
        "staff": staff,
        "channels": [(c.value, c.label) for c in STAFF_CHANNELS],
        "map_config": map_config(
            request,
            bounds=_bounds(user),
            grids_url=f"{reverse('map_grids')}?pick=1",
            buildings_url=f"{reverse('map_buildings')}?pick=1",
            buildings_min_zoom=PICK_BUILDINGS_MIN_ZOOM,
        ),
        "values": request.POST,
        "crs": request.POST.get("crs") if request.POST.get("crs") in CRS_CHOICES else settings.MAP_TILE_CRS,
        "tile_crs": settings.MAP_TILE_CRS,
    }
    if request.method == "GET":
        return render(request, "web/cases/new.html", context)
    category = next((c for c in categories if str(c.pk) == request.POST.get("category")), None)
    context["category"] = category
    context["answers"] = _answers(request, category)
    context["questions"] = _question_rows(category, context["answers"])
    lng, lat = _float(request.POST.get("lng")), _float(request.POST.get("lat"))
    address = request.POST.get("address", "")
    try:
        building = _chosen_building(user, request.POST.get("building"))
        context["chosen_label"] = _building_label(building)
        crs = _crs(request.POST.get("crs"))
        if category is None:
            raise DomainError("unknown_category", _("Choose one of the platform's case categories."))
        if not policy.can_file(user, category.district_id):
            raise steps.forbidden()
        if building is None and (lng is None or lat is None) and address.strip():
            building = _building_for_address(category, address.strip(), context)
        if not request.POST.get("confirm_new"):
            near = _possible_duplicates(user, category, _wgs_point(lng, lat, crs), building)
            if near:
                context["duplicates"] = near
                context["photos_lost"] = bool(request.FILES.getlist("photos"))
                return render(request, "web/cases/new.html", context)
        channel = request.POST.get("channel") if staff else Channel.WEB
        if channel not in [c.value for c in STAFF_CHANNELS] + [Channel.WEB]:
            raise DomainError("unknown_channel", _("Unknown channel."))
        ratelimit.check_resident_intake(user)
        case = actions.file_case(
            user,
            district=category.district,
            category=category,
            channel=channel,
            description=request.POST.get("description", ""),
            lng=lng,
            lat=lat,
            crs=crs,
            address=address,
            building=building,
            reporter_name=request.POST.get("reporter_name", "") if staff else "",
            reporter_contact=request.POST.get("reporter_contact", "") if staff else "",
            answers=context["answers"],
            photos=request.FILES.getlist("photos"),
        )
    except DomainError as error:
        context["error"] = error
        context["photos_lost"] = bool(request.FILES.getlist("photos"))
        response = render(request, "web/cases/new.html", context, status=429 if error.status == 429 else 400)
        return ratelimit.with_retry_after(response, error)
    messages.success(request, _("Case %(number)s filed. Its number is how you follow it.") % {"number": case.number})
    return redirect("case", case.pk)


def _building_for_address(category: Category, address: str, context: dict[str, Any]) -> AreaNode:
    """The building a typed address names (`actions.building_at`); several candidates come
    back to the form as a list to tap ("Did you mean"), none is the filing's own error."""
    try:
        building = actions.building_at(category.district, address)
    except DomainError as error:
        if error.code == CaseError.ADDRESS_AMBIGUOUS:
            context["candidates"] = _place_items(error.details["candidates"])  # type: ignore[arg-type]
        raise
    context["chosen_label"] = _building_label(building)
    return building


def _wgs_point(lng: float | None, lat: float | None, crs: str) -> tuple[float, float] | None:
    if lng is None or lat is None:
        return None
    check_coordinates(lng, lat)
    return to_wgs84(lng, lat, crs)


def _possible_duplicates(
    user: User, category: Category, point: tuple[float, float] | None, building: AreaNode | None
) -> list[Case]:
    """Open cases of the same category the user sees, near the place (its point, or the chosen
    building's), in the same building or in the same grid: at most 5, nearest first, in a fixed
    number of queries whatever gave the place."""
    if point is None and building is not None and building.lng is not None:
        point = (building.lng, building.lat)  # type: ignore[assignment]
    grid_id = building.grid_id if building is not None else None
    if grid_id is None and point is not None:
        grid_id = grid_index().locate(*point)
    near = (
        nearby_open_cases(category, point[0], point[1], float(settings.CASE_DUPLICATE_RADIUS_M), limit=20)
        if point is not None
        else []
    )
    same_place = Q(pk__in=[c.pk for c in near])
    if building is not None:
        same_place |= Q(building_id=building.pk)
    if grid_id is not None:
        same_place |= Q(grid_id=grid_id)
    if not near and building is None and grid_id is None:
        return []
    found = {
        c.pk: c
        for c in visible_cases(user)
        .filter(same_place, category=category, state__in=OPEN_STATES)
        .only("id", "number", "state", "description", "building_id", "grid_id", "created_at")
        .order_by("-created_at")[:50]
    }
    ordered = [found.pop(c.pk) for c in near if c.pk in found]
    ordered += [c for c in found.values() if c.building_id == (building.pk if building else None)]
    ordered += [c for c in found.values() if c not in ordered]
    return ordered[:5]


def _bounds(user: User) -> list[list[float]] | None:
    """The box around the buildings of the user's districts, in the tiles' system (one query)."""
    box = AreaNode.objects.filter(level=Level.BUILDING, district__in=_districts(user)).aggregate(
        west=Min("lng"), east=Max("lng"), south=Min("lat"), north=Max("lat")
    )
    if box["west"] is None:
        return None
    crs = settings.MAP_TILE_CRS
    west, south = from_wgs84(box["west"], box["south"], crs)
    east, north = from_wgs84(box["east"], box["north"], crs)
    return [[south, west], [north, east]]


@require_GET
@scoped_page
def case_questions(request: HttpRequest) -> HttpResponse:
    """The extra questions of the chosen category (htmx fragment of the filing form)."""
    category = next((c for c in _categories(_user(request)) if str(c.pk) == request.GET.get("category")), None)
    return render(request, "web/cases/_questions.html", {"questions": _question_rows(category, {})})


# --- one case ----------------------------------------------------------------------------------


def _case_in_scope(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(visible_cases(_user(request)).select_related("category"), pk=pk)


@require_GET
@scoped_page
def case(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = case_detail(user, _case_in_scope(request, pk).pk)
    public_only = policy.reporter_only(user, found, found.co_handlings_list or None)  # type: ignore[attr-defined]
    context = {
        "case": found,
        "public_only": public_only,
        "timeline": _with_state_labels(timeline_items(user, found)),
        "steps": [(step, STEP_LABELS[step]) for step in found.your_steps],  # type: ignore[attr-defined]
        "units": _with_search_text(list(units_for(user, found).order_by("kind", "name"))),
        "categories": [c for c in _categories(user) if c.district_id == found.district_id],
        "satisfaction": Satisfaction.choices,
        "levels": SupervisionLevel.choices,
        "answers": _answer_lines(found),
        "bodies": supervising_bodies(user) if "supervise" in found.your_steps else [],  # type: ignore[attr-defined]
    }
    if found.lng is not None:
        context["place"] = from_wgs84(found.lng, found.lat, settings.MAP_TILE_CRS)  # type: ignore[arg-type]
    if found.lng is not None or found.grid_id is not None:
        context["map_config"] = map_config(
            request, point=context.get("place"), highlight_grids=[found.grid_id] if found.grid_id else []
        )
    return render(request, "web/cases/detail.html", context)


def _with_state_labels(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A state change reads as the state it led to (已派遣, 已销号, …), not as "state changed"."""
    for item in items:
        to_state = item["to_state"] if item["kind"] == EventKind.TRANSITION else None
        item["state_label"] = str(State(to_state).label) if to_state in State.values else ""
    return items


def _answer_lines(case: Case) -> list[tuple[str, str]]:
    labels = {q.code: q for q in case.category.questions.all()}
    lines = []
    for code, value in case.answers.items():
        question = labels.get(code)
        label = question.label if question else code
        if question and question.choices:
            names = {c["key"]: c["name"] for c in question.choices}
            values = value if isinstance(value, list) else [value]
            value = "、".join(str(names.get(v, v)) for v in values)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)  # a number answer is kept as a float: 1, not "1.0"
        lines.append((label, str(value)))
    return lines


def _payload(request: HttpRequest, schema: type[pydantic.BaseModel], **overrides: str) -> Any:
    data: dict[str, Any] = {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}
    data.update(overrides)
    for field, info in schema.model_fields.items():
        if info.annotation is bool and field not in data:
            data[field] = False  # an unticked box is not sent
        elif data.get(field) == "" and not info.is_required():
            del data[field]  # an empty choice (e.g. "the unit the rules route to") means the default
    return schema.model_validate(data)


def _report(request: HttpRequest, error: Exception) -> None:
    """The error as a message on the page it redirects to; its stable code is the message's tag."""
    if isinstance(error, DomainError):
        messages.error(request, str(error.message), extra_tags=error.code)
    else:
        text = _("Some of what you entered is missing or not valid. Please check and try again.")
        messages.error(request, text, extra_tags="invalid_input")


def _attempt(request: HttpRequest, pk: int, run: Any, done: str = "") -> HttpResponse:
    """Load the case in scope (404), run the step, and go back to the case with a message."""
    found = _case_in_scope(request, pk)
    try:
        run(_user(request), found)
    except (DomainError, pydantic.ValidationError) as error:
        _report(request, error)
    else:
        if done:
            messages.success(request, done)
    return redirect("case", found.pk)


@require_POST
@scoped_page
def case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in steps.STEPS and step != "photos":
        raise Http404

    def run(user: User, found: Case) -> None:
        if step == "photos":
            if not policy.can(user, "photos", found):
                raise steps.forbidden()
            public = request.POST.get("public") == "on" or policy.reporter_only(user, found)
            upload = request.FILES.get("photo")
            if upload is None:
                raise DomainError("not_an_image", _("Choose a photo to upload."))
            actions.attach_photo(user, found, upload=upload, public=public)
            return
        overrides = {}
        if step == "merge":  # the form names the other case by its number
            into = visible_cases(user).filter(number=request.POST.get("into_number", "").strip()).first()
            if into is None:
                raise DomainError("not_found", _("No case with this number in your scope."))
            overrides["into"] = str(into.pk)
        steps.take(user, found, step, _payload(request, steps.STEPS[step].schema, **overrides))

    return _attempt(request, pk, run, _("Done: %(step)s.") % {"step": STEP_LABELS[step]})


@require_POST
@scoped_page
def co_handling_finish(request: HttpRequest, pk: int, co_id: int) -> HttpResponse:
    return _attempt(
        request, pk, lambda user, found: steps.finish_co_handling(user, found, co_id, _payload(request, FinishIn))
    )


@require_POST
@scoped_page
def extension_decide(request: HttpRequest, pk: int, extension_id: int) -> HttpResponse:
    return _attempt(
        request, pk, lambda user, found: steps.decide_extension(user, found, extension_id, _payload(request, DecideIn))
    )


# --- notifications ---------------------------------------------------------------------------

NOTIFICATIONS_SHOWN = 50


@require_http_methods(["GET", "POST"])
@scoped_page
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's newest notices; "mark all read" posts back here. A notice about a case links the
    case; one about a household visit links the visit's page for a reader who may open it."""
    user = _user(request)
    if request.method == "POST":
        actions.mark_notifications_read(user)
        return redirect("notifications")
    shown = list(
        Notification.objects.filter(user=user).select_related("case", "visit_notice__visit__grid")[:NOTIFICATIONS_SHOWN]
    )
    for notice in shown:
        notice.visit_link = visit_link_for(user, notice)  # type: ignore[attr-defined]
    return render(request, "web/cases/notifications.html", {"notifications": shown})


# --- the public board (no login) ------------------------------------------------------------


def _board_district(request: HttpRequest) -> AreaNode:
    """The district whose board is shown: the only one, or `?district=<code>` when there are several."""
    districts = AreaNode.objects.filter(level=Level.DISTRICT).order_by("code")
    code = request.GET.get("district")
    if code:
        return get_object_or_404(districts, code=code)
    first = list(districts[:2])
    if len(first) != 1:
        raise Http404
    return first[0]


def _board_cases(request: HttpRequest) -> tuple[AreaNode, QuerySet[Case], dict[str, str]]:
    district = _board_district(request)
    cases, chosen = _filter(with_flags(public_board(district.pk)), request.GET)
    return district, cases, chosen


@require_GET
@replica_view
def board(request: HttpRequest) -> HttpResponse:
    district, cases, chosen = _board_cases(request)
    page = CappedPaginator(cases.select_related("category", "community"), CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "district": district,
        "page": page,
        "chosen": chosen,
        "groups": Category.objects.filter(district=district, parent__isnull=True),
        "query": params.urlencode(),
        "map_config": map_config(
            request,
            geojson_url=f"{reverse('board_data')}?{params.urlencode()}",
            grids_url=f"{reverse('board_grids')}?{urlencode({'district': district.code})}",
            buildings_url=None,
        ),
    }
    return render(request, "web/cases/board.html", context)


@require_GET
@cache_control(public=True, max_age=BOARD_DATA_MAX_AGE)
@replica_view
def board_data(request: HttpRequest) -> HttpResponse:
    """Board cases on the map: only categories whose location may be shown, and no link."""
    _district, cases, _chosen = _board_cases(request)
    return _geojson(_features(cases.filter(category__public_location=True), None))


@require_GET
@cache_control(public=True, max_age=BOARD_GRIDS_MAX_AGE)
@replica_view
def board_grids(request: HttpRequest) -> HttpResponse:
    """The district's grid outlines and names under the board's map: public facts, nothing
    personal, the same for every visitor, so browsers and proxies may keep them a while."""
    district = _board_district(request)
    return _geojson(pages.public_grids_feature_collection(district, settings.MAP_TILE_CRS))
