"""/open311/v2/…: each method with its `.xml` or `.json` suffix; anything else is an Open311 404."""

from django.urls import re_path

from wangge.open311 import views

FMT = r"\.(?P<fmt>[^/.]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311_discovery"),
    re_path(r"^services" + FMT, views.services, name="open311_services"),
    re_path(r"^services/(?P<code>[^/]+)" + FMT, views.service_definition, name="open311_service"),
    re_path(r"^requests" + FMT, views.requests, name="open311_requests"),
    re_path(r"^requests/(?P<request_id>[^/]+)" + FMT, views.request_detail, name="open311_request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.token, name="open311_token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates, name="open311_updates"),
    re_path(r"^(?P<path>.*)$", views.unknown),
]
