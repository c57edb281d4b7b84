"""REST endpoints for organisation units and the coverage report."""

from ninja import Router

router = Router(tags=["orgs"])
