"""The fixed levels of the area tree, from district down to household.

They live below every app because users' scope (accounts), the area tree itself (areas) and
the apps' ancestor columns all name them; `wangge.areas.models` re-exports them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("District")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    BUILDING_GROUP = "building_group", _("Building group")
    BUILDING = "building", _("Building")
    HOUSEHOLD = "household", _("Household")


LEVELS: list[str] = [level.value for level in Level]
# The ancestor column that holds a node's own id at each level (households have none).
ANCESTOR_LEVELS: list[str] = LEVELS[:-1]


def child_level(level: str) -> str | None:
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None
