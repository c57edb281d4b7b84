"""The stable error codes of shared resources (facilities and their bookings), each with its HTTP
status and a one-line meaning; the actions raise `DomainError(ResourceError.…, message)`."""

from wangge.lib.errors import ErrorCode


class ResourceError(ErrorCode):
    RESOURCE_FORBIDDEN = "resource_forbidden", 403, "you see the facility or booking, but this change is not yours"
    BOOKING_CONFLICT = "booking_conflict", 409, "the slot overlaps a booking that holds it"
    NOT_BOOKABLE_BY_YOU = "not_bookable_by_you", 403, "the facility is not open to booking by your kind of user"
    OUTSIDE_OPENING_HOURS = (
        "outside_opening_hours",
        400,
        "the slot is not inside one opening period of the day (or the day is a holiday or a closure)",
    )
    SLOT_INVALID = "slot_invalid", 400, "the slot ends before it starts, lies in the past, or is longer than a day"
    BOOKING_STATE = "booking_state", 409, "the status of the booking (or of a decision) does not allow this step"
    CANCEL_TOO_LATE = "cancel_too_late", 409, "the facility's cancellation limit before the start has passed"
    ATTENDANCE_TOO_EARLY = "attendance_too_early", 409, "check-in or no-show is marked only from the booking's start"
    FACILITY_INVALID = "facility_invalid", 400, "a facility's field is missing or out of range"
    HOURS_STRAND_BOOKINGS = (
        "hours_strand_bookings",
        409,
        "a held future booking would fall outside the facility's new hours or closures: cancel it first",
    )
    TOO_MANY_PHOTOS = "too_many_photos", 409, "the facility already has the most photos it may have"
    SOCIAL_ORG_INVALID = "social_org_invalid", 400, "an organisation's or project's field is missing or out of range"
    COBUILDING_INVALID = (
        "cobuilding_invalid",
        400,
        "an agreement's, meeting's or decision's field is missing or out of range",
    )
    UTILISATION_PERIOD_INVALID = (
        "utilisation_period_invalid",
        400,
        "the period ends before it starts, or is longer than 366 days",
    )
