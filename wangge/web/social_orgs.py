"""Registering a social organisation (社会组织) and recording its projects on the web.

The community's staff and the district's administrators register an organisation with a
community they keep: its name, kind, filing status (备案 / 登记), service communities, members,
the party unit inside it (a horizontal unit of the organisation tree) and a first contact (the
phone encrypted at rest and shown masked). They, and the organisation's own account, record its
projects. Thin views over `wangge.resources.social`; an organisation the user does not read
answers 404.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import normalise_phone
from wangge.orgs.models import HORIZONTAL_KINDS, OrgUnit
from wangge.resources import cobuilding, social
from wangge.resources.errors import ResourceError
from wangge.resources.models import FilingStatus, SocialOrgKind
from wangge.web.views import page_for

PAGE = "social_orgs"
MAX_MEMBERS_DIGITS = 7
MAX_BUDGET = Decimal(10_000_000_000)  # the column holds 12 digits, 2 of them after the point


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _number(raw: str, default: int = 0) -> int | None:
    raw = raw.strip()
    if not raw:
        return default
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= MAX_MEMBERS_DIGITS else None


@require_http_methods(["GET", "POST"])
@page_for(PAGE)
def org_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    communities = list(cobuilding.kept_communities(user))
    if not communities:
        raise Http404
    districts = {c.district_id for c in communities}
    all_communities = list(AreaNode.objects.filter(district_id__in=districts, level=Level.COMMUNITY).order_by("code"))
    party_units = list(
        OrgUnit.objects.filter(district_id__in=districts, kind__in=HORIZONTAL_KINDS).order_by("name", "pk")
    )
    keys = ("name", "kind", "filing_status", "community", "members", "party_unit", "contact_name", "contact_phone")
    typed = {key: request.POST.get(key, "").strip() for key in keys}
    typed_areas = request.POST.getlist("service_areas")
    if request.method == "POST":
        community = next((c for c in communities if str(c.pk) == typed["community"]), None)
        areas = [a for a in all_communities if str(a.pk) in typed_areas]
        party_unit = next((u for u in party_units if str(u.pk) == typed["party_unit"]), None)
        members = _number(typed["members"])
        try:
            phone = normalise_phone(typed["contact_phone"]) if typed["contact_phone"] else ""
            if community is None or members is None:
                raise DomainError(
                    ResourceError.SOCIAL_ORG_INVALID, _("Choose the community and give the members as a whole number.")
                )
            if bool(typed["contact_name"]) != bool(phone):
                raise DomainError(ResourceError.SOCIAL_ORG_INVALID, _("Give the contact's name and phone together."))
            with transaction.atomic():
                org = social.register_org(
                    user,
                    community=community,
                    name=typed["name"],
                    kind=typed["kind"],
                    filing_status=typed["filing_status"],
                    service_areas=areas,
                    members=members,
                    party_unit=party_unit,
                )
                if phone:
                    social.add_contact(user, org, name=typed["contact_name"], phone=phone)
        except DomainError as error:
            messages.error(request, error.message, extra_tags=error.code)
        else:
            messages.success(request, _("The organisation is registered: record its projects."))
            return redirect("social_org_project_new", pk=org.pk)
    context = {
        "typed": typed,
        "typed_areas": typed_areas,
        "communities": communities,
        "all_communities": all_communities,
        "party_units": party_units,
        "kinds": SocialOrgKind.choices,
        "statuses": FilingStatus.choices,
    }
    return render(request, "web/social_orgs/org_form.html", context)


@require_http_methods(["GET", "POST"])
@page_for(PAGE)
def project_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a project of an organisation: the keepers of its community or its own account."""
    user = _user(request)
    org = get_object_or_404(social.visible_orgs(user).select_related("community"), pk=pk)
    if not social.may_keep(user, org):
        raise Http404
    keys = ("name", "goals", "starts_on", "ends_on", "budget", "beneficiaries", "activities", "outcomes")
    typed = {key: request.POST.get(key, "").strip() for key in keys}
    if request.method == "POST":
        starts_on: dt.date | None
        ends_on: dt.date | None
        try:
            starts_on, ends_on = dt.date.fromisoformat(typed["starts_on"]), dt.date.fromisoformat(typed["ends_on"])
            budget = Decimal(typed["budget"] or "0")
        except (ValueError, InvalidOperation):
            starts_on = ends_on = None
            budget = Decimal(0)
        beneficiaries = _number(typed["beneficiaries"])
        if (
            starts_on is None
            or ends_on is None
            or beneficiaries is None
            or not budget.is_finite()
            or budget >= MAX_BUDGET
        ):
            messages.error(
                request, _("Give the period's days, the budget in yuan and the beneficiaries as a number."), "invalid"
            )
        else:
            try:
                social.record_project(
                    user,
                    org,
                    name=typed["name"],
                    starts_on=starts_on,
                    ends_on=ends_on,
                    goals=typed["goals"],
                    budget=budget.quantize(Decimal("0.01")),
                    beneficiaries=beneficiaries,
                    activities=typed["activities"],
                    outcomes=typed["outcomes"],
                )
            except DomainError as error:
                messages.error(request, error.message, extra_tags=error.code)
            else:
                messages.success(request, _("The project is recorded."))
                return redirect("resources_social_orgs")
    return render(request, "web/social_orgs/project_form.html", {"org": org, "typed": typed})
