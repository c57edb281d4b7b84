"""Top-level URLs: the web app at /, the REST API at /api/v1/, the admin, /healthz."""

from django.contrib import admin
from django.urls import include, path

from wangge.api.api import api
from wangge.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("wangge.web.urls")),
]
