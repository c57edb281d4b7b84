"""The stable error codes of the assistance database, each with its HTTP status and a one-line
meaning; the actions raise `DomainError(AssistanceError.…, message)` and each endpoint lists the
codes it answers."""

from wangge.lib.errors import ErrorCode


class AssistanceError(ErrorCode):
    ASSISTANCE_FORBIDDEN = (
        "assistance_forbidden",
        403,
        "you see the area, but keeping its households in difficulty is not your role",
    )
    DOSSIER_NOT_A_HOUSEHOLD = "dossier_not_a_household", 400, "a dossier is opened for a household"
    UNKNOWN_CHOICE = (
        "unknown_choice",
        400,
        "a cause, need kind, priority, state, source or helper kind is not a documented one",
    )
    DOSSIER_TEXT_TOO_LONG = "dossier_text_too_long", 400, "a text is longer than 4,000 characters"
    ASSISTANCE_REASON_REQUIRED = (
        "assistance_reason_required",
        400,
        "a need that cannot be met, a pair that ends and a change of state say why",
    )
    HELPER_UNKNOWN = (
        "helper_unknown",
        400,
        "the helper is not a member, volunteer, resident unit or social organisation of the district",
    )
    ALREADY_PAIRED = "already_paired", 409, "the helper is already paired with the household"
    PAIR_ENDED = "pair_ended", 400, "the pair has ended: nothing is recorded on it"
    NEED_NOT_OF_DOSSIER = "need_not_of_dossier", 400, "the need or pair is not one of the dossier's"
    HELP_VALUE_INVALID = "help_value_invalid", 400, "a help's value and hours are not negative"
    AREA_NOT_COVERAGE = "area_not_coverage", 400, "coverage is given for a district, a community or a grid"
    ASSISTANCE_DATES_INVALID = (
        "assistance_dates_invalid",
        400,
        "a round or campaign has a name, and does not end before it starts",
    )
