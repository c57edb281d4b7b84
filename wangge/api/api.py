"""The REST API v1 object: authentication, error format, and the routers of each app.

Every error answers `{"code": "<stable code>", "message": "<translated text>"}`.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from wangge.api.auth import BearerToken
from wangge.lib.errors import DomainError

api = NinjaAPI(
    title="wangge API",
    version="1",
    description="网格 — grid-based community governance. Every list is limited to the caller's scope.",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    docs_url="/docs",
)


def error_response(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found, or outside your scope."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", _("Authentication required: send a valid bearer token."))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [".".join(str(p) for p in error.get("loc", [])[1:]) for error in exc.errors]
    return error_response(
        request,
        422,
        "invalid_input",
        _("Some parameters are missing or invalid: %(fields)s.") % {"fields": ", ".join(fields)},
        fields=fields,
    )


def _mount_routers() -> None:
    from wangge.api.routers import routers

    for prefix, router in routers():
        api.add_router(prefix, router)


_mount_routers()
