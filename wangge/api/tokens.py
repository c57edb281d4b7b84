"""REST endpoints for bearer tokens: list, create (the secret shown once), revoke.

A token acts exactly as its user: the same scope, the same permissions. Everyone lists and
revokes their own tokens; a superuser or a district administrator also those of the users they
manage (`wangge.accounts.queries`, the one place that rule is written). A token outside that
answers 404 `not_found`. Creation and revocation go through `wangge.accounts.actions` and are
written to the audit log.
"""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wangge.accounts import actions
from wangge.accounts.audit import client_ip
from wangge.accounts.models import ApiToken, User
from wangge.accounts.queries import manages, visible_tokens
from wangge.api.auth import token_of
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import Pagination, errors
from wangge.lib.errors import DomainError

router = Router(tags=["tokens"])


class TokenUserOut(Schema):
    id: int
    username: str
    display_name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="The token's first 8 characters, to recognise it by; never the token.")
    user: TokenUserOut = Field(..., description="The user the token acts as.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(None, description="The last request made with it.")
    revoked_at: dt.datetime | None = Field(None, description="Set once revoked; a revoked token answers 401.")
    active: bool = Field(..., description="Not revoked.")

    @staticmethod
    def resolve_active(obj: ApiToken) -> bool:
        return obj.revoked_at is None


class TokenCreatedOut(TokenOut):
    token: str = Field(
        ...,
        description="The bearer token itself (`Authorization: Bearer …`). Shown in this answer only; "
        "only its SHA-256 is kept, so it cannot be shown again.",
    )

    @staticmethod
    def resolve_token(obj: ApiToken) -> str:
        return obj.secret  # type: ignore[attr-defined,no-any-return]


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, description="A label to recognise the token by.")


class TokenFilter(Schema):
    user: int | None = Field(
        None, description="Another user's tokens: a user you manage (404 `not_found` for anyone else)."
    )
    managed: bool = Field(
        False, description="Tokens of every user you manage and your own (superusers, district administrators)."
    )
    active: bool | None = Field(None, description="Only tokens that are (true) or are not (false) revoked.")


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@router.get("", response={200: list[TokenOut], **errors(404)}, summary="List API tokens")
@answers(ApiError.NOT_FOUND)
@paginate(Pagination)
def list_tokens(request: HttpRequest, filters: Query[TokenFilter]) -> Any:
    """Your own tokens, newest first, revoked ones too; never the token itself. With `user`, the
    tokens of a user you manage; with `managed`, those of everyone you manage. A `user` you do
    not manage answers 404, like one who does not exist."""
    caller = _user(request)
    if filters.user is not None:
        other = get_object_or_404(User, pk=filters.user)
        if not manages(caller, other):
            raise Http404
        tokens = ApiToken.objects.filter(user=other)
    elif filters.managed:
        tokens = visible_tokens(caller)
    else:
        tokens = ApiToken.objects.filter(user=caller)
    if filters.active is not None:
        tokens = tokens.filter(revoked_at__isnull=filters.active)
    return tokens.select_related("user").order_by("-created_at", "-id")


@router.post("", response={201: TokenCreatedOut, **errors(400, 403)}, summary="Create an API token")
@answers(ApiError.TOKEN_NAME_INVALID, ApiError.SESSION_REQUIRED)
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    """A new bearer token acting as you, with exactly your scope. The answer is the only time the
    token is shown. Needs a logged-in session: a token cannot create tokens, so a leaked token
    cannot outlive its revocation."""
    caller = _user(request)
    if token_of(request) is not None:
        raise DomainError(
            ApiError.SESSION_REQUIRED,
            _("Tokens are created from a logged-in session, not with another token."),
            status=403,
        )
    issued = actions.issue_api_token(caller, user=caller, name=payload.name, ip_address=client_ip(request))
    issued.token.secret = issued.secret  # type: ignore[attr-defined]  # for this one answer
    return 201, issued.token


@router.post("/{int:token_id}/revoke", response={200: TokenOut, **errors(404)}, summary="Revoke an API token")
@answers(ApiError.NOT_FOUND)
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    """From the next request on, the token answers 401 `unauthenticated`. Your own tokens, or
    those of a user you manage (404 for any other); revoking a revoked token changes nothing."""
    caller = _user(request)
    token = get_object_or_404(visible_tokens(caller), pk=token_id)
    return actions.revoke_api_token(caller, token=token, ip_address=client_ip(request))
