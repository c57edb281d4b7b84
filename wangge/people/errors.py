"""The stable error codes of the people app, each with its HTTP status and a one-line meaning:
`DomainError(PeopleError.PERSON_NOT_FOUND, …, status=404)`.

Each member is a plain string, its value: the API's JSON, the command line and the pages show
`person_not_found`. Codes raised by the shared helpers the actions call (`lib.idnumber`'s
`id_number_format`, `accounts.audit.require_reason`'s `reveal_reason_required`, …) belong to
those helpers. The message the user reads is the translated text given where the error is
raised.
"""

from wangge.lib.errors import ErrorCode


class PeopleError(ErrorCode):
    ACCESS_REPORT_REASON_REQUIRED = (
        "access_report_reason_required",
        400,
        "an access report needs the request it answers as its reason",
    )
    CHOICE_INVALID = "choice_invalid", 400, "a value is not one of the field's choices"
    CORRECTION_EMPTY = "correction_empty", 400, "a correction changes no field"
    CORRECTION_FIELD_UNKNOWN = "correction_field_unknown", 400, "a field that cannot be corrected"
    CORRECTION_REASON_REQUIRED = "correction_reason_required", 400, "a correction needs a reason"
    DATE_INVALID = "date_invalid", 400, "a date that is not YYYY-MM-DD"
    HOME_COMMUNITY_LEVEL = "home_community_level", 400, "a member's home community is not a community"
    ID_NUMBER_EXISTS = "id_number_exists", 400, "a person with this ID number is already registered"
    KEYS_IN_ENVIRONMENT = (
        "keys_in_environment",
        400,
        "the keys come from the environment, so a new key is set there, not rotated here",
    )
    NOT_A_HOUSEHOLD = "not_a_household", 400, "a person belongs to a household, not to another area"
    PERSON_ANONYMISED = "person_anonymised", 409, "the person has been anonymised"
    PERSON_NAME_REQUIRED = "person_name_required", 400, "a person needs a name"
    PERSON_NOT_FOUND = "person_not_found", 404, "no such person, or none you may see the personal data of"
    RETENTION_NOT_PASSED = (
        "retention_not_passed",
        409,
        "the person has not been gone (moved away or died) for the retention period",
    )
    REVEAL_FIELD_UNKNOWN = "reveal_field_unknown", 400, "not ID number, phone or sensitive facts"
    SENSITIVE_FACT_UNKNOWN = "sensitive_fact_unknown", 400, "not one of the sensitive facts kept"
    SENSITIVE_FACTS_INVALID = "sensitive_facts_invalid", 400, "the sensitive facts are not a set of named facts"
    UNKNOWN_WORKER_KIND = "unknown_worker_kind", 400, "not a kind of community worker"
    VALUE_TOO_LONG = "value_too_long", 400, "a text longer than its field takes"
    WORKER_AREA_LEVEL = "worker_area_level", 400, "a community worker works in a community or a grid"
