"""Reading persons within a user's scope."""

from django.db.models import QuerySet

from wangge.accounts.models import User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, scope_q
from wangge.people.models import Person


def visible_persons(user: User) -> QuerySet[Person]:
    return Person.objects.filter(scope_q(user, DISTRICT_COMMUNITY_GRID))
