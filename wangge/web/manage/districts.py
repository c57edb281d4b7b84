"""The district an administration page is about: one the user administers (district
administrator there, or a superuser), chosen by the `district` parameter when there are
several; anything else does not exist (404)."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from wangge.accounts.districts import administered_district_ids
from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level


def administered_districts(user: User) -> QuerySet[AreaNode]:
    administered = administered_district_ids(user)
    districts = AreaNode.objects.filter(level=Level.DISTRICT).order_by("name", "pk")
    return districts if administered is None else districts.filter(pk__in=administered)


def chosen_district(request: HttpRequest) -> tuple[AreaNode, list[AreaNode]]:
    """The district named by `district` (GET or POST; the first one without it) and every
    district the user administers, for the page's district switch."""
    districts = list(administered_districts(request.user))  # type: ignore[arg-type]
    if not districts:
        raise Http404
    raw = (request.POST if request.method == "POST" else request.GET).get("district", "")
    if not raw:
        return districts[0], districts
    chosen = next((d for d in districts if str(d.pk) == raw), None)
    if chosen is None:
        raise Http404
    return chosen, districts
