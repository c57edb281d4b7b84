"""URLs of /manage/: the hub, and each topic module's own `urlpatterns`."""

from django.urls import URLPattern, URLResolver, path

from wangge.web.manage import calendar, hub

urlpatterns: list[URLPattern | URLResolver] = [
    path("", hub.hub, name="manage"),
]
# Each topic adds its module here: `urlpatterns += <module>.urlpatterns`.

urlpatterns += calendar.urlpatterns
