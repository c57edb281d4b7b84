"""What the assistance database does when field work announces a flagged visit."""

import logging
from typing import Any

from wangge.assistance.actions import take_up_visit
from wangge.fieldwork.models import Visit

logger = logging.getLogger(__name__)


def take_up_flagged_visit(sender: Any, *, visit: Visit, flags: list[str], **kwargs: Any) -> None:
    """`fieldwork.signals.visit_flagged`: open or add to the household's dossier. Runs after the
    visit's commit, so it must not fail the request: a failure is logged (without any content)."""
    try:
        take_up_visit(visit, flags)
    except Exception:
        logger.exception("A flagged visit (id %s) was not taken up by the assistance database.", visit.pk)
