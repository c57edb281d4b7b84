"""The routers mounted under /api/v1/, one per app."""

from ninja import Router


def routers() -> list[tuple[str, Router]]:
    from wangge.api.tokens import router as tokens_router
    from wangge.areas.api import router as areas_router
    from wangge.calendars.api import router as workdays_router
    from wangge.cases.api import notifications_router
    from wangge.cases.api import router as cases_router
    from wangge.orgs.api import coverage_router
    from wangge.orgs.api import router as orgs_router

    return [
        ("/areas", areas_router),
        ("/orgs", orgs_router),
        ("/coverage", coverage_router),
        ("/workdays", workdays_router),
        ("/cases", cases_router),
        ("/notifications", notifications_router),
        ("/tokens", tokens_router),
    ]
