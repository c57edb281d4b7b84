"""Bench-only settings and URLconf for bench/intake.py: the platform's settings, one bare view.

    DJANGO_SETTINGS_MODULE=bench.intake_bare gunicorn 'django.core.wsgi:get_wsgi_application()'

Same settings as the platform (middleware, database, CONN_MAX_AGE) except ROOT_URLCONF: one view,
`POST /bare/cases`, that inserts the same Case row as an Open311 filing with
`Case.objects.create(...)` and none of our logic (no key, no service lookup, no point → grid
lookup, no numbering, no event, no routing). The ids come from the environment (BENCH_*), set
by bench/intake.py; the number is a UUID. Never used by the platform itself.
"""

import os
import uuid

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from wangge.settings import *  # noqa: F403

ROOT_URLCONF = "bench.intake_bare"

_IDS = {
    name: int(os.environ.get(f"BENCH_{name.upper()}", "0")) for name in ("district", "category", "community", "grid")
}


@csrf_exempt
def file_bare(request: HttpRequest) -> JsonResponse:
    from wangge.cases.models import Case, Channel

    case = Case.objects.create(
        district_id=_IDS["district"],
        number=uuid.uuid4().hex,
        category_id=_IDS["category"],
        channel=Channel.OPEN311,
        description=request.POST.get("description", ""),
        lng=float(request.POST["long"]),
        lat=float(request.POST["lat"]),
        community_id=_IDS["community"],
        grid_id=_IDS["grid"],
    )
    return JsonResponse([{"service_request_id": case.number}], safe=False, status=201)


urlpatterns = [path("bare/cases", file_bare)]
