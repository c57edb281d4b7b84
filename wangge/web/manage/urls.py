"""URLs of /manage/: the hub, and each topic module's own `urlpatterns`."""

from django.urls import URLPattern, URLResolver, path

from wangge.web.manage import calendar, catalogue, checklist, hub, keys, onboarding, organisation, routing, users

urlpatterns: list[URLPattern | URLResolver] = [
    path("", hub.hub, name="manage"),
]
# Each topic adds its module here: `urlpatterns += <module>.urlpatterns`.
urlpatterns += onboarding.urlpatterns
urlpatterns += checklist.urlpatterns
urlpatterns += users.urlpatterns
urlpatterns += catalogue.urlpatterns
urlpatterns += routing.urlpatterns
urlpatterns += keys.urlpatterns
urlpatterns += organisation.urlpatterns
urlpatterns += calendar.urlpatterns
