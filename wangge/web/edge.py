"""The edge: every request's text checked once, before any view reads it.

`EdgeMiddleware` reads the path, the query string and the body (a form, a multipart form or
JSON) as UTF-8, whatever charset the request declares, and

- refuses a request whose text holds a control character (NUL among them) or a lone surrogate
  (`wangge.lib.text`): 400 `invalid_characters`;
- removes the bidirectional controls from every value (a password excepted: it is compared,
  never shown), so no view, action or database sees them;
- answers a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` 413 `request_too_large`, more fields than
  `DATA_UPLOAD_MAX_NUMBER_FIELDS` 400 `too_many_fields`, a form it cannot parse or a JSON body
  nested deeper than any of ours 400 `malformed_body` (the REST API's 422 `invalid_input`
  with `fields: ["body"]`, its answer to any unreadable body).

Each refusal is answered in the format of the part of the site that was asked: the REST API's
`{code, message}`, Open311's `errors` in XML or JSON, the web app's page. A JSON body that is
not JSON at all is left to the endpoint, which says so in its own words. See docs/decisions.md,
"Control and bidi characters".
"""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from wangge.api.api import error_response
from wangge.lib.text import has_refused_characters, strip_bidi
from wangge.open311.errors import Open311Error, format_of, respond

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Deeper than any body the API takes (a case's answers hold a list in an object in an object).
MAX_JSON_DEPTH = 32


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def _invalid_characters() -> Refused:
    return Refused(
        400,
        "invalid_characters",
        _(
            "The request holds characters no text may contain: control characters (such as NUL) or "
            "broken Unicode. Remove them and send it again."
        ),
    )


def _malformed() -> Refused:
    return Refused(400, "malformed_body", _("The request body could not be read."))


def _too_large() -> Refused:
    return Refused(
        413,
        "request_too_large",
        _("The request is too large: at most %(mb).1f MB of text fields.")
        % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024},
    )


def _too_many_fields() -> Refused:
    return Refused(400, "too_many_fields", _("The request has too many parameters."))


def _screened(data: QueryDict) -> QueryDict:
    """The query or form data, refused with a control character in a name or a value; its values
    without bidirectional controls (the same object when there were none)."""
    changed = False
    for name, values in data.lists():
        if has_refused_characters(name) or any(has_refused_characters(value) for value in values):
            raise _invalid_characters()
        changed = changed or any(strip_bidi(value) != value for value in values)
    if not changed:
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for name, values in data.lists():
        cleaned.setlist(name, values if "password" in name else [strip_bidi(value) for value in values])
    cleaned._mutable = False
    return cleaned


def _screened_json(value: Any, depth: int = 0) -> Any:
    """A parsed JSON value, refused with a control character or a lone surrogate in any string
    (names included); its strings without bidirectional controls."""
    if isinstance(value, str):
        if has_refused_characters(value):
            raise _invalid_characters()
        return strip_bidi(value)
    if depth > MAX_JSON_DEPTH and isinstance(value, list | dict):
        raise _malformed()
    if isinstance(value, list):
        return [_screened_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if any(has_refused_characters(name) for name in value):
            raise _invalid_characters()
        return {name: _screened_json(item, depth + 1) for name, item in value.items()}
    return value


def _screen_body(request: HttpRequest) -> None:
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        form, files = request.POST, request.FILES
        if any(has_refused_characters(upload.name or "") for _name, uploads in files.lists() for upload in uploads):
            raise _invalid_characters()
        request.POST = _screened(form)  # type: ignore[misc,assignment]  # WSGIRequest's POST has a setter
        return
    body = request.body  # the size is checked before anything is read
    if not (content_type == "application/json" or content_type.endswith("+json")) or not body:
        return
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the endpoint answers that itself
    cleaned = _screened_json(parsed)
    if cleaned != parsed:
        request._body = json.dumps(cleaned, ensure_ascii=False).encode()  # type: ignore[attr-defined]


def screen(request: HttpRequest) -> None:
    """Check and clean the request's text in place; raises `Refused`."""
    if has_refused_characters(request.path_info):
        raise _invalid_characters()
    try:
        request.encoding = "utf-8"  # forgets a GET already parsed under a declared charset
        request.GET = _screened(request.GET)  # type: ignore[misc,assignment]  # a cached property: settable
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            _screen_body(request)
    except RequestDataTooBig:
        raise _too_large() from None
    except (TooManyFieldsSent, TooManyFilesSent):
        raise _too_many_fields() from None
    except (MultiPartParserError, UnreadablePostError, BadRequest):
        raise _malformed() from None


def refusal_response(request: HttpRequest, refused: Refused) -> HttpResponseBase:
    """The refusal in the format of the part of the site that was asked."""
    path = request.path_info
    if path.startswith("/api/"):
        if refused.code == "malformed_body":
            return error_response(
                request,
                422,
                "invalid_input",
                _("The request body could not be read; send valid JSON."),
                fields=["body"],
            )
        return error_response(request, refused.status, refused.code, refused.message)
    if path.startswith("/open311/"):
        return respond(format_of(path), Open311Error(refused.status, refused.code, refused.message))
    return render(request, "400.html", {"message": refused.message, "code": refused.code}, status=refused.status)


class EdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            screen(request)
        except Refused as refused:
            return refusal_response(request, refused)
        return self.get_response(request)
