"""The stable error codes of field work (briefings, patrols, visits, compliance), each with its
HTTP status and a one-line meaning; the actions raise `DomainError(FieldworkError.…, message)`
and each endpoint lists the codes it answers."""

from wangge.lib.errors import ErrorCode


class FieldworkError(ErrorCode):
    FIELDWORK_FORBIDDEN = "fieldwork_forbidden", 403, "you see the grid, but recording its field work is not your role"
    NOT_A_GRID = "not_a_grid", 400, "the area is not a grid"
    NOT_A_HOUSEHOLD = "not_a_household", 400, "the area is not a household"
    CHECKIN_OUTSIDE_GRID = "checkin_outside_grid", 400, "a check-in's building or point lies outside the patrol's grid"
    PLACE_OUTSIDE_GRID = "place_outside_grid", 400, "the building is not a building of the briefing's grid"
    CHECKIN_PLACE_REQUIRED = "checkin_place_required", 400, "a check-in names a building or a point"
    FINISHED_BEFORE_STARTED = "finished_before_started", 400, "the patrol finishes before it starts"
    PATROL_FINISHED = "patrol_finished", 400, "the patrol is finished: no check-in is added to it"
    ATTENDEE_UNKNOWN = "attendee_unknown", 400, "an attendee or a task's assignee is not a user of the district"
    UNKNOWN_FLAG = "unknown_flag", 400, "a visit's flag or change is not one of the documented ones"
    CHANGE_NOT_RECORDED = (
        "change_not_recorded",
        400,
        "the registry is corrected from a visit only for a move or a death the visit recorded",
    )
    NOT_A_HOUSEHOLD_MEMBER = "not_a_household_member", 400, "the person is not a member of the visited household"
    TEXT_TOO_LONG = "text_too_long", 400, "a text is longer than 4,000 characters"
    PERIOD_INVALID = "period_invalid", 400, "the period ends before it starts, or is longer than 366 days"
    AREA_NOT_COMPLIANCE = "area_not_compliance", 400, "compliance is given for a district, a community or a grid"
    PATROLS_PER_DAY_INVALID = "patrols_per_day_invalid", 400, "the patrols a grid owes per working day are 0 to 6"
