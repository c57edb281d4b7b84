"""The routers mounted under /api/v1/, one per app."""

from ninja import Router


def routers() -> list[tuple[str, Router]]:
    from wangge.areas.api import router as areas_router
    from wangge.orgs.api import router as orgs_router

    return [("/areas", areas_router), ("/orgs", orgs_router)]
