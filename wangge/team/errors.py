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
    WISH_TAKEN = "wish_taken", 409, "the wish is claimed by another member (or no longer waiting for one)"
    WISH_NOT_YOURS = (
        "wish_not_yours",
        403,
        "only the member who claimed the wish fulfils it, only its poster confirms it",
    )
    WISH_STATE = (
        "wish_state",
        409,
        "the wish is not in the state this step needs (claimed to fulfil, fulfilled to confirm)",
    )
    WISH_AREA = "wish_area", 400, "a wish is posted for a community, a grid or a household"
    NOT_A_MEMBER = "not_a_member", 403, "only a member of the community claims its wishes"
    WISH_TEXT = "wish_text", 400, "a wish's text or a fulfilment's note is empty or longer than allowed"
    TERM_INVALID = "term_invalid", 400, "a commitment's term ends before it starts or lasts more than three years"
    REGISTRATION_LIMIT = (
        "registration_limit",
        409,
        "the member is already registered there, or may not register as that (a university's community is a student's)",
    )
    REGISTRATION_STATE = (
        "registration_state",
        409,
        "the registration is not waiting for this step (already confirmed, or ended)",
    )
    SERVICE_HOURS = "service_hours", 400, "a service's fulfilment records the hours given (more than 0, at most 24)"
