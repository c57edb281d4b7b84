"""Every change of the team's records: a period's scores written, a supervisor's adjustment, the
worker's appeal and its decision. Each takes `acting_user`, runs in one transaction and writes
the audit row."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode
from wangge.lib.errors import DomainError
from wangge.team.assessment import MAX_STARS, MIN_STARS, Line, Period, compute_period, parse_period, rules_for
from wangge.team.errors import TeamError
from wangge.team.models import Adjustment, Appeal, AppealStatus, Score

MAX_REASON = 1000
# Who adjusts a score and decides an appeal: the worker's community staff and the district's administrators.
SUPERVISING_ROLES = (Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF)


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(TeamError.TEAM_REASON_REQUIRED, _("Write the reason."))
    return text[:MAX_REASON]


def _stars(value: int) -> int:
    if not MIN_STARS <= value <= MAX_STARS:
        raise DomainError(TeamError.STARS_OUT_OF_RANGE, _("Stars are 1 to 5."))
    return value


def _supervises(user: User, score: Score) -> None:
    if not has_role_over(user, score.worker.area, *SUPERVISING_ROLES):
        raise DomainError(
            TeamError.TEAM_FORBIDDEN, _("Only the worker's community staff or the district adjusts a score.")
        )


def run_period(
    acting_user: User | None, *, district: AreaNode, period_text: str, commit: bool
) -> tuple[Period, list[Line]]:
    """Compute the district's period; with `commit`, write one score per worker (a rerun updates
    the same rows; a score a supervisor adjusted keeps its stars). Idempotent."""
    rules = rules_for(district)
    period = parse_period(period_text, rules.period_kind)
    lines = compute_period(district, period, rules)
    if not commit:
        return period, lines
    with transaction.atomic():
        existing = {
            s.worker_id: s
            for s in Score.objects.select_for_update().filter(district=district, period_start=period.start)
        }
        adjusted = set(
            Adjustment.objects.filter(score__in=list(existing.values())).values_list("score__worker_id", flat=True)
        )
        fresh, changed = [], []
        for line in lines:
            worker = line.worker
            values = {
                "district": district,
                "community_id": worker.community_id,
                "grid_id": worker.grid_id,
                "period_end": period.end,
                "score": line.score,
                "indicators": line.indicators,
                "previous_stars": line.previous_stars,
                "computed_stars": line.stars,
                "rule": line.rule,
            }
            score = existing.get(worker.pk)
            if score is None:
                fresh.append(Score(worker=worker, period_start=period.start, stars=line.stars, **values))
                continue
            for name, value in values.items():
                setattr(score, name, value)
            if worker.pk not in adjusted:
                score.stars = line.stars
            changed.append(score)
        Score.objects.bulk_create(fresh)
        Score.objects.bulk_update(
            changed,
            [
                "community",
                "grid",
                "period_end",
                "score",
                "indicators",
                "previous_stars",
                "computed_stars",
                "rule",
                "stars",
            ],
        )
        record(
            acting_user,
            AuditAction.ASSESSMENT_RUN,
            obj=district,
            district_id=district.pk,
            actor_name="" if acting_user is not None else "assessment",
            detail={"period": period.label, "workers": len(lines), "created": len(fresh), "updated": len(changed)},
        )
    return period, lines


def adjust_score(acting_user: User, score: Score, *, stars: int, reason: str) -> Score:
    """A supervisor sets the score's stars, with a written reason."""
    _supervises(acting_user, score)
    text = _reason(reason)
    _stars(stars)
    with transaction.atomic():
        score = Score.objects.select_for_update().get(pk=score.pk)
        Adjustment.objects.create(score=score, by=acting_user, from_stars=score.stars, to_stars=stars, reason=text)
        record(
            acting_user,
            AuditAction.SCORE_ADJUSTED,
            obj=score,
            district_id=score.district_id,
            detail={"from": score.stars, "to": stars, "reason": text},
        )
        score.stars = stars
        score.save(update_fields=["stars", "updated_at"])
    return score


def appeal_score(acting_user: User, score: Score, *, text: str) -> Appeal:
    """The worker assessed appeals the score, with their grounds; one appeal waits at a time."""
    if score.worker.person.user_id != acting_user.pk:
        raise DomainError(TeamError.NOT_YOUR_SCORE, _("Only the worker assessed appeals their score."))
    grounds = _reason(text)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(score=score, by=acting_user, text=grounds)
            record(acting_user, AuditAction.SCORE_APPEALED, obj=score, district_id=score.district_id, detail={})
    except IntegrityError:
        raise DomainError(
            TeamError.APPEAL_OPEN, _("This score already has an appeal waiting for its decision.")
        ) from None
    return appeal


def decide_appeal(
    acting_user: User, appeal: Appeal, *, upheld: bool, decision: str, stars: int | None = None
) -> Appeal:
    """A supervisor decides the appeal with a written decision; upheld with `stars`, the score
    takes them (recorded as an adjustment with the decision as its reason)."""
    _supervises(acting_user, appeal.score)
    text = _reason(decision)
    if upheld and stars is not None:
        _stars(stars)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("score").get(pk=appeal.pk)
        if appeal.status != AppealStatus.OPEN:
            raise DomainError(TeamError.APPEAL_DECIDED, _("This appeal has already been decided."))
        score = appeal.score
        appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        appeal.decided_by = acting_user
        appeal.decided_at = timezone.now()
        appeal.decision = text
        if upheld and stars is not None and stars != score.stars:
            Adjustment.objects.create(score=score, by=acting_user, from_stars=score.stars, to_stars=stars, reason=text)
            score.stars = stars
            score.save(update_fields=["stars", "updated_at"])
        appeal.stars = score.stars
        appeal.save()
        record(
            acting_user,
            AuditAction.APPEAL_DECIDED,
            obj=score,
            district_id=score.district_id,
            detail={"appeal": appeal.pk, "status": appeal.status, "stars": score.stars, "decision": text},
        )
    return appeal
