"""The stable error codes of the ledgers app: those its `DomainError`s carry, the code a failed
run records, and the codes of the reasons a row is invalid (`cleaning.Invalid`, shown by row
in the dry run's summary and error report). A member is its code as a plain string, so callers
and JSON output see "file_type", never the enum. Codes raised by the apps below (e.g.
`id_number_format` from `wangge.lib.idnumber`, `phone_format` from `wangge.people`) pass
through as they are. docs/import.md lists them for users.
"""

from enum import StrEnum


class LedgerError(StrEnum):
    # The file and its reading.
    FILE_TYPE = "file_type"
    FILE_UNREADABLE = "file_unreadable"
    FILE_EMPTY = "file_empty"
    FILE_ENCODING = "file_encoding"
    FILE_TOO_LARGE = "file_too_large"
    FILE_MISSING = "file_missing"
    FILE_CHANGED = "file_changed"
    HEADER_NOT_FOUND = "header_not_found"
    COLUMN_MISSING = "column_missing"
    UNKNOWN_LAYOUT = "unknown_layout"
    # A mapping of headers and values.
    MAPPING_FORMAT = "mapping_format"
    MAPPING_UNKNOWN_FIELD = "mapping_unknown_field"
    MAPPING_UNKNOWN_VALUE = "mapping_unknown_value"
    MAPPING_FIELD_NOT_IN_LAYOUT = "mapping_field_not_in_layout"
    MAPPING_UNREADABLE = "mapping_unreadable"
    # Who may import, a run, the commit.
    IMPORT_FORBIDDEN = "import_forbidden"
    REGISTRY_CHANGED = "registry_changed"
    ID_NUMBER_EXISTS = "id_number_exists"
    RUN_NOT_FOUND = "run_not_found"
    RUN_NOT_COMMITTABLE = "run_not_committable"
    INTERNAL_ERROR = "internal_error"  # a run that stopped on an unexpected error
    # The areas a row names (a row's reasons too).
    UNKNOWN_COMMUNITY = "unknown_community"
    COMMUNITY_AMBIGUOUS = "community_ambiguous"
    UNKNOWN_GRID = "unknown_grid"
    UNKNOWN_BUILDING = "unknown_building"
    BUILDING_AMBIGUOUS = "building_ambiguous"
    UNKNOWN_HOUSEHOLD = "unknown_household"
    HOUSEHOLD_AMBIGUOUS = "household_ambiguous"
    UNKNOWN_ORG_UNIT = "unknown_org_unit"
    # A row's reasons.
    NAME_MISSING = "name_missing"
    VALUE_MISSING = "value_missing"
    VALUE_TOO_LONG = "value_too_long"
    VALUE_UNKNOWN = "value_unknown"
    ID_NUMBER_BIRTH_DATE = "id_number_birth_date"
    ID_NUMBER_AS_NUMBER = "id_number_as_number"
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"
    GENDER_MISMATCH = "gender_mismatch"
    DATE_FORMAT = "date_format"
    DATE_IMPOSSIBLE = "date_impossible"
    SUPPORT_BOTH = "support_both"
    HOUSEHOLD_MISSING = "household_missing"
    DUPLICATE_ROW = "duplicate_row"
    POSSIBLE_DUPLICATE_ROW = "possible_duplicate_row"
    OUT_OF_SCOPE = "out_of_scope"
    # The review queue.
    REVIEW_ITEM_NOT_FOUND = "review_item_not_found"
    REVIEW_ITEM_DECIDED = "review_item_decided"
    UNKNOWN_DECISION = "unknown_decision"
    MERGE_UNKNOWN_FIELD = "merge_unknown_field"
    MERGE_CHOICE = "merge_choice"
    MERGE_NOTHING_CHOSEN = "merge_nothing_chosen"
    MERGE_MEMBER_INCOMPLETE = "merge_member_incomplete"
    KEEP_SEPARATE_SAME_ID = "keep_separate_same_id"
    MERGE_ALREADY_UNDONE = "merge_already_undone"
    MERGE_NOT_LATEST = "merge_not_latest"
    MERGE_CHANGED_SINCE = "merge_changed_since"
