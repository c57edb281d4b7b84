"""Top-level URLs: the web app at /, the REST API at /api/v1/, the admin, /healthz, /metrics."""

from django.contrib import admin
from django.urls import include, path, re_path

from wangge.api import views as api_views
from wangge.api.api import api
from wangge.operations import views as operations_views
from wangge.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("metrics", operations_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_views.not_found),  # the rest of /api/: a JSON 404, not the web page
    path("open311/v2/", include("wangge.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("wangge.web.urls")),
]
