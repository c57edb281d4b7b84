"""The stable error codes of the team (roster and star-rated assessment), each with its HTTP
status and a one-line meaning; the actions raise `DomainError(TeamError.…, message)`."""

from wangge.lib.errors import ErrorCode


class TeamError(ErrorCode):
    TEAM_FORBIDDEN = "team_forbidden", 403, "you see the worker, but this step on the assessment is not your role"
    PERIOD_INVALID_FORMAT = (
        "period_invalid_format",
        400,
        "a period is written YYYY-MM (a month, or a quarter's first month)",
    )
    TEAM_REASON_REQUIRED = "team_reason_required", 400, "an adjustment, an appeal or a decision needs a written reason"
    STARS_OUT_OF_RANGE = "stars_out_of_range", 400, "stars are 1 to 5"
    APPEAL_OPEN = "appeal_open", 409, "the score already has an appeal waiting for its decision"
    APPEAL_DECIDED = "appeal_decided", 409, "the appeal has already been decided"
    NOT_YOUR_SCORE = "not_your_score", 403, "only the worker assessed may appeal their score"
