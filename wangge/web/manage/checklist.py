"""The go-live checklist page (/manage/checklist/): each requirement of
`wangge.onboarding.checklist` with ok / not ok and the items still missing, each linked to the
page that fixes it. The administrator's own district only (another one answers 404)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wangge.areas.models import AreaNode
from wangge.onboarding import checklist
from wangge.web.manage.onboarding import admin_district, admin_districts
from wangge.web.views import page_for

# The page that fixes each kind of missing item: (URL name, anchor on that page).
FIX_PAGES = {
    checklist.FIX_GRIDS: ("manage_onboarding", "step-grids"),
    checklist.FIX_ORG_UNITS: ("manage_onboarding", "step-org_units"),
    checklist.FIX_STAFF: ("manage_onboarding", "step-staff"),
    checklist.FIX_CATALOGUE: ("manage_catalogue", ""),
    checklist.FIX_ROUTING: ("manage_routing", ""),
    checklist.FIX_UNITS: ("units", ""),
    checklist.FIX_CALENDAR: ("manage_calendar", ""),
}


def fix_url(fix: str, district: AreaNode) -> str:
    """The address of the page that fixes an item, or "" when that page is not installed."""
    url_name, anchor = FIX_PAGES[fix]
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return ""
    if url_name == "manage_onboarding":
        url += f"?district={district.pk}"
    return f"{url}#{anchor}" if anchor else url


@require_GET
@never_cache
@page_for("manage_checklist")
def checklist_page(request: HttpRequest) -> HttpResponse:
    district = admin_district(request, request.GET.get("district"))
    result = checklist.go_live_checklist(district)
    urls = {fix: fix_url(fix, district) for fix in FIX_PAGES}
    requirements = [
        {
            "requirement": r,
            "items": [(item, urls[item.fix]) for item in r.items],
            "warnings": [(item, urls[item.fix]) for item in r.warnings],
        }
        for r in result.requirements
    ]
    context = {
        "district": district,
        "districts": admin_districts(request.user),  # type: ignore[arg-type]
        "checklist": result,
        "requirements": requirements,
    }
    return render(request, "web/manage/checklist.html", context)


urlpatterns = [path("checklist/", checklist_page, name="manage_checklist")]
