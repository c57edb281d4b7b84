"""In-service members go to their community (在职党员进社区): registration (报到) with the community
where they live — the member profile's `home_community` and `reported_on`, imported from the
member system or recorded here — and their service commitments (承诺) with a theme and a term.

A member registered with a community claims its wishes (`wishes.claim_wish`), as does a user
holding the `member` role over it.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.people.models import MemberProfile
from wangge.team.errors import TeamError
from wangge.team.models import Commitment, CommitmentTheme

MAX_TEXT = 500
MAX_TERM_DAYS = 3 * 366


def registered_with(user: User, community_id: int) -> bool:
    """Whether the user's registry person is a member registered (报到) with the community."""
    return MemberProfile.objects.filter(
        person__user=user, home_community_id=community_id, reported_on__isnull=False
    ).exists()


def register(acting_user: User, member: MemberProfile, *, community: AreaNode, on: dt.date) -> MemberProfile:
    """Record the member's registration with `community` on `on`: the member themself, or the
    community's staff."""
    if community.level != Level.COMMUNITY:
        raise DomainError(TeamError.WISH_AREA, _("A member registers with a community."))
    if member.person.user_id != acting_user.pk and not has_role_over(acting_user, community, Role.COMMUNITY_STAFF):
        raise DomainError(
            TeamError.TEAM_FORBIDDEN, _("Only the member or the community's staff record a registration.")
        )
    with transaction.atomic():
        member.home_community = community
        member.reported_on = on
        member.save(update_fields=["home_community", "reported_on", "updated_at"])
        record(
            acting_user,
            AuditAction.MEMBER_REGISTERED,
            obj=member,
            district_id=member.district_id,
            detail={"community": community.pk, "on": on.isoformat()},
        )
    return member


def commit(
    acting_user: User, member: MemberProfile, *, theme: str, text: str, starts_on: dt.date, ends_on: dt.date
) -> Commitment:
    """The member's own commitment to their home community, for a term of up to three years."""
    if member.person.user_id != acting_user.pk:
        raise DomainError(TeamError.TEAM_FORBIDDEN, _("Members make their own commitments."))
    body = (text or "").strip()
    if not body or len(body) > MAX_TEXT:
        raise DomainError(TeamError.WISH_TEXT, _("Write the text (at most %(n)s characters).") % {"n": MAX_TEXT})
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_TERM_DAYS:
        raise DomainError(TeamError.TERM_INVALID, _("The term ends after it starts and lasts at most three years."))
    return Commitment.objects.create(
        district_id=member.district_id,
        member=member,
        community_id=member.home_community_id,
        theme=theme if theme in CommitmentTheme.values else CommitmentTheme.OTHER,
        text=body,
        starts_on=starts_on,
        ends_on=ends_on,
    )
