"""The REST API v1 object: authentication, error format, idempotent POSTs, and the routers of
each app.

Every error answers `{"code": "<stable code>", "message": "<translated text>"}`. Every POST
takes an optional `Idempotency-Key` header (`wangge.api.idempotency`).

The API knows no app above it: each app's `api` module registers its routers
(`register_router`), and `ApiConfig.ready()` mounts them (`mount_routers`) once every app's
`api` module has been imported, in the order of `INSTALLED_APPS`, the API's own routers last.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.openapi.views import openapi_view
from ninja.parser import Parser
from ninja.types import DictStrAny

from wangge.api import idempotency
from wangge.api.auth import BearerToken, LoggedInSession
from wangge.api.errors import COMMON, POST_COMMON, ApiError, describe
from wangge.api.ratelimit import with_retry_after
from wangge.api.tokens import router as tokens_router
from wangge.lib.errors import DomainError

IDEMPOTENCY_PARAMETER = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (e.g. a UUID) chosen by the client for this request. A retry with the "
        "same key gets the first answer, with the header `Idempotent-Replayed: true`, and does "
        "nothing twice; the same key with another request answers 422 `idempotency_key_reused`, "
        "a malformed key 422 `idempotency_key_invalid`. Kept 24 hours. See docs/api.md."
    ),
    # Printable ASCII, not only spaces (the key is read without the spaces around it).
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_KEY_LENGTH,
        "pattern": "^ *[!-~][ -~]*$",
    },
}
REPLAYED_HEADER = {
    "description": "`true` when this answer is the stored answer to an earlier request with the same key.",
    "schema": {"type": "string", "enum": ["true"]},
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 1},
}

# Errors any operation can answer, added to every description (each operation lists its own).
COMMON_ERRORS = f"Any operation: {describe(COMMON)}."
POST_ERRORS = f" Any POST: {describe(POST_COMMON)}."
ERROR_ANSWER = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


class ObjectBodies(Parser):
    """Every body the API takes is a JSON object: `null`, a list or a bare value is not one, and
    is answered like any unreadable body (422 `invalid_input`, `fields: ["body"]`) rather than
    read as "no fields given"."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        return data


class WanggeAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        """The generated document, plus what the API does around every operation: the edge's
        refusals (400 `invalid_characters`, 413 for a POST), the `Idempotency-Key` header of every
        POST and the headers of replayed and rate-limited answers."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                common = COMMON_ERRORS
                if not {400, "400"} & set(responses):  # the edge's `invalid_characters`
                    responses[400] = {**ERROR_ANSWER}
                if method == "post":
                    common += POST_ERRORS
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
                    for status in (403, 413):
                        if not {status, str(status)} & set(responses):
                            responses[status] = {**ERROR_ANSWER}
                    for status, answer in responses.items():
                        if str(status).startswith(("2", "4")) and str(status) not in {"401", "413", "429"}:
                            answer.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED_HEADER
                for status, answer in responses.items():
                    if str(status) == "429":
                        answer.setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
                description = operation.get("description", "").rstrip()
                operation["description"] = f"{description}\n\n{common}" if description else common
        return schema


def _docs_if_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The interactive page only where the deployment has it (`WANGGE_API_DOCS`), else 404; the
    OpenAPI document (the same decorator wraps its view) is always served."""
    if getattr(view, "func", view) is not openapi_view:
        return view

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.API_DOCS:
            return error_response(request, 404, ApiError.NOT_FOUND, _("Not found, or outside your scope."))
        return view(request, *args, **kwargs)

    return wrapper


api = WanggeAPI(
    title="wangge API",
    version="1",
    description=(
        "网格 — grid-based community governance. Every list is limited to the caller's scope. "
        "Errors are `{code, message}` with a stable `code`; each operation lists the codes it can "
        "answer. Every POST takes an optional `Idempotency-Key` header."
    ),
    urls_namespace="api",
    auth=[BearerToken(), LoggedInSession()],
    parser=ObjectBodies(),
    docs_url="/docs",
    # Served from ninja's own static files ("ninja" is an installed app); no validator badge,
    # which would send the document's address to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=_docs_if_enabled,
)


def error_response(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    """The API's error body; `code` is answered as the plain string (also an `ErrorCode` member)."""
    return api.create_response(request, {"code": str(code), "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra: dict[str, Any] = {}
    if "retry_after" in exc.details:
        extra["retry_after"] = exc.details["retry_after"]
    response = error_response(request, exc.status, exc.code, exc.message, **extra)
    with_retry_after(response, exc)
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, ApiError.NOT_FOUND, _("Not found, or outside your scope."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, ApiError.UNAUTHENTICATED, _("Authentication required: send a valid bearer token.")
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """The two errors django-ninja raises itself: a session's POST without its CSRF token, and a
    body that cannot be parsed (e.g. malformed JSON), answered like any other invalid input."""
    if exc.status_code == 403:
        return error_response(
            request,
            403,
            ApiError.CSRF_FAILED,
            _("The request was refused: send the CSRF token of your session, or use a bearer token."),
        )
    return error_response(
        request, 422, ApiError.INVALID_INPUT, _("The request body could not be read; send valid JSON."), fields=["body"]
    )


def _field(loc: list[Any]) -> str:
    """`payload.category` from pydantic's location, without the names of the union branches it
    tried (`constrained-int`, `str`, …)."""
    parts = [str(p) for p in loc[1:]]
    return ".".join(p for p in parts if p not in _BRANCHES and not p.startswith(("constrained-", "function-")))


_BRANCHES = frozenset({"int", "str", "float", "bool", "none", "list", "dict"})


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = list(dict.fromkeys(_field(error.get("loc", [])) for error in exc.errors))
    return error_response(
        request,
        422,
        ApiError.INVALID_INPUT,
        _("Some parameters are missing or invalid: %(fields)s.") % {"fields": ", ".join(fields)},
        fields=fields,
    )


# Idempotent POSTs: one transaction around the whole operation (view mode), the key claimed
# for the authenticated user once authentication and validation have passed (operation mode).
api.add_decorator(idempotency.around_operation, mode="view")
api.add_decorator(idempotency.around_view, mode="operation")

_registered: list[tuple[str, Router]] = []
_mounted = False


def register_router(prefix: str, router: Router) -> None:
    """Mount `router` under /api/v1/`prefix`; called by an app's `api` module when it is imported."""
    if _mounted:
        raise ImproperlyConfigured(f"The router for {prefix} was registered after the API's routers were mounted.")
    _registered.append((prefix, router))


def mount_routers() -> None:
    """Import every app's `api` module (each registers its routers, in the order of
    `INSTALLED_APPS`), then mount them, and the API's own routers after them. Once per process."""
    global _mounted
    if _mounted:
        return
    autodiscover_modules("api")
    for prefix, router in [*_registered, ("/tokens", tokens_router)]:
        api.add_router(prefix, router)
    _mounted = True
