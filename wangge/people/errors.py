"""The error codes the people app raises: `DomainError(PeopleError.PERSON_NOT_FOUND, …)`.

Each member is a plain string, its value: the API's JSON, the command line and the pages show
`person_not_found`. Codes raised by the shared helpers the actions call (`lib.idnumber`'s
`id_number_format`, `accounts.audit.require_reason`'s `reveal_reason_required`, …) belong to
those helpers.
"""

from enum import StrEnum


class PeopleError(StrEnum):
    ACCESS_REPORT_REASON_REQUIRED = "access_report_reason_required"
    CHOICE_INVALID = "choice_invalid"
    CORRECTION_EMPTY = "correction_empty"
    CORRECTION_FIELD_UNKNOWN = "correction_field_unknown"
    CORRECTION_REASON_REQUIRED = "correction_reason_required"
    DATE_INVALID = "date_invalid"
    HOME_COMMUNITY_LEVEL = "home_community_level"
    ID_NUMBER_EXISTS = "id_number_exists"
    KEYS_IN_ENVIRONMENT = "keys_in_environment"
    NOT_A_HOUSEHOLD = "not_a_household"
    PERSON_ANONYMISED = "person_anonymised"
    PERSON_NAME_REQUIRED = "person_name_required"
    PERSON_NOT_FOUND = "person_not_found"
    RETENTION_NOT_PASSED = "retention_not_passed"
    REVEAL_FIELD_UNKNOWN = "reveal_field_unknown"
    SENSITIVE_FACT_UNKNOWN = "sensitive_fact_unknown"
    SENSITIVE_FACTS_INVALID = "sensitive_facts_invalid"
    UNKNOWN_WORKER_KIND = "unknown_worker_kind"
    VALUE_TOO_LONG = "value_too_long"
    WORKER_AREA_LEVEL = "worker_area_level"
