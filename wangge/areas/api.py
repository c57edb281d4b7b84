"""REST endpoints for the area tree: list, read, locate a point."""

from ninja import Router

router = Router(tags=["areas"])
