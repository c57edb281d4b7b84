"""The stable error codes of volunteers (stations, activities, sign-ups, hours, certificates),
each with its HTTP status and a one-line meaning; the actions raise `DomainError(VolunteerError.…, message)`."""

from wangge.lib.errors import ErrorCode


class VolunteerError(ErrorCode):
    VOLUNTEER_FORBIDDEN = (
        "volunteer_forbidden",
        403,
        "you see the station, activity or hours, but this step is not yours",
    )
    NOT_A_VOLUNTEER = "not_a_volunteer", 403, "the user is not a volunteer registered with a station of the district"
    STATION_INVALID = "station_invalid", 400, "a station's, team's or volunteer's field is missing or out of range"
    ACTIVITY_INVALID = "activity_invalid", 400, "an activity's field is missing or out of range"
    ALREADY_SIGNED_UP = "already_signed_up", 409, "the volunteer already holds a place or a place in the queue"
    SIGNUP_STATE = "signup_state", 409, "the sign-up's status (or the activity's time) does not allow this step"
    QR_INVALID = "qr_invalid", 400, "the QR code is expired, forged or of another activity"
    HOURS_INVALID = "hours_invalid", 400, "self-logged hours: a date in the future, hours out of range, no description"
    HOURS_STATE = "hours_state", 409, "the self-logged hours were already decided"
    HOURS_PERIOD_INVALID = "hours_period_invalid", 400, "the period ends before it starts, or is longer than ten years"
