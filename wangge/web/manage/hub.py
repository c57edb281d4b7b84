"""The administration hub: the sections of /manage/ the user may use, one link each."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wangge.web import pages
from wangge.web.views import page_for


@dataclass(frozen=True)
class Section:
    page: str  # a key of pages.PAGE_ROLES
    url_name: str
    title: str | Promise
    summary: str | Promise


SECTIONS = [
    Section(
        "manage_checklist",
        "manage_checklist",
        _("Go-live checklist"),
        _("What the district still needs before it can go live."),
    ),
    Section(
        "manage_onboarding",
        "manage_onboarding",
        _("Onboarding from files"),
        _("Grids, address book, staff, organisation units and resident units from the district's own files."),
    ),
    Section(
        "manage_users",
        "manage_users",
        _("Users and roles"),
        _("Accounts, the areas their roles cover, passwords and API tokens."),
    ),
    Section(
        "units",
        "units",
        _("Handling units"),
        _("Departments, streets, communities and dispatch, with who acts for each."),
    ),
    Section(
        "units",
        "manage_organisation",
        _("Organisation settings"),
        _("The district's names for its unit levels, and its resident units."),
    ),
    Section(
        "manage_catalogue",
        "manage_catalogue",
        _("Case catalogue"),
        _("Groups and categories, time limits and extra questions."),
    ),
    Section(
        "manage_routing", "manage_routing", _("Routing"), _("Which unit handles each category where, and a tester.")
    ),
    Section(
        "manage_calendar", "manage_calendar", _("Work calendar"), _("Each year's holidays and make-up working days.")
    ),
    Section(
        "manage_keys", "manage_keys", _("Open311 keys and API tokens"), _("Keys of the district's client applications.")
    ),
]


@require_GET
@never_cache
@page_for("manage")
def hub(request: HttpRequest) -> HttpResponse:
    user = request.user
    sections = []
    for section in SECTIONS:
        if not pages.allowed(user, section.page):  # type: ignore[arg-type]
            continue
        try:
            url = reverse(section.url_name)
        except NoReverseMatch:  # a section whose pages are not installed
            continue
        sections.append({"url": url, "title": section.title, "summary": section.summary})
    return render(request, "web/manage/hub.html", {"sections": sections})
