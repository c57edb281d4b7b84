"""The states of a case and the transitions allowed between them, written once.

Each transition has a name (the action that performs it), the states it may start from and
the state it leads to. The actions (`cases/actions/`) ask `check(case, name)` before anything changes.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.cases.errors import CaseError
from wangge.lib.errors import DomainError


class State(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted and tagged")
    REJECTED = "rejected", _("Not accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RETURNED = "returned", _("Returned by the unit")
    HANDLED = "handled", _("Handled")
    VERIFIED = "verified", _("Verified")
    VISITED = "visited", _("Return visit done")
    CLOSED = "closed", _("Closed off")
    DUPLICATE = "duplicate", _("Merged as duplicate")
    REOPENED = "reopened", _("Reopened")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str


def _t(name: str, sources: list[str], target: str) -> Transition:
    return Transition(name, frozenset(sources), target)


S = State
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("accept", [S.REPORTED], S.ACCEPTED),
        _t("reject", [S.REPORTED], S.REJECTED),
        _t("merge", [S.REPORTED, S.ACCEPTED], S.DUPLICATE),
        _t("dispatch", [S.ACCEPTED, S.RETURNED, S.REOPENED], S.DISPATCHED),
        _t("start", [S.DISPATCHED], S.IN_PROGRESS),
        _t("return_to_dispatch", [S.DISPATCHED, S.IN_PROGRESS], S.RETURNED),
        _t("hold", [S.IN_PROGRESS], S.ON_HOLD),
        _t("resume", [S.ON_HOLD], S.IN_PROGRESS),
        _t("handle", [S.IN_PROGRESS], S.HANDLED),
        _t("verify", [S.HANDLED], S.VERIFIED),
        _t("send_back", [S.HANDLED], S.IN_PROGRESS),
        _t("record_visit", [S.VERIFIED], S.VISITED),
        _t("reopen", [S.VISITED], S.REOPENED),
        _t("close", [S.VERIFIED, S.VISITED], S.CLOSED),
    ]
}

OPEN_STATES = frozenset(s.value for s in State) - {S.REJECTED, S.CLOSED, S.DUPLICATE}
# While the clock runs: from acceptance until the unit has handled the case.
CLOCK_STATES = frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REOPENED})
# A unit may ask for more time while it holds the case.
EXTENSION_STATES = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.ON_HOLD})


def allowed(state: str) -> list[str]:
    """Names of the transitions allowed from `state`."""
    return [t.name for t in TRANSITIONS.values() if state in t.sources]


def check(state: str, name: str) -> Transition:
    transition = TRANSITIONS[name]
    if state not in transition.sources:
        raise DomainError(
            CaseError.TRANSITION_NOT_ALLOWED,
            _("This step is not possible while the case is “%(state)s”.") % {"state": State(state).label},
            status=409,
        )
    return transition
