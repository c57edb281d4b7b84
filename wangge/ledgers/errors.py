"""The stable error codes of the ledgers app, each with its HTTP status and a one-line meaning:
those its `DomainError`s carry, the code a failed run records, and the codes of the reasons a
row is invalid (`cleaning.Invalid`, shown by row in the dry run's summary and error report). A
member is its code as a plain string, so callers and JSON output see "file_type", never the
enum. Codes raised by the apps below (e.g. `id_number_format` and `id_number_birth_date` from
`wangge.lib.idnumber`, `reveal_reason_required` from `wangge.accounts.audit`) pass through as
they are. docs/import.md lists them for users.
"""

from wangge.lib.errors import ErrorCode


class LedgerError(ErrorCode):
    # The file and its reading.
    FILE_TYPE = "file_type", 400, "a file other than .xlsx, .xls or .csv"
    FILE_UNREADABLE = "file_unreadable", 400, "the file cannot be read as a spreadsheet or CSV"
    FILE_EMPTY = "file_empty", 400, "the file has no rows"
    FILE_ENCODING = "file_encoding", 400, "the CSV's text is neither UTF-8 nor GBK"
    FILE_TOO_LARGE = "file_too_large", 400, "the file, or what it unpacks to or needs to be read, is too large"
    FILE_MISSING = "file_missing", 410, "the uploaded file is no longer kept; upload it again"
    FILE_CHANGED = "file_changed", 400, "the uploaded file changed after it was checked; upload it again"
    HEADER_NOT_FOUND = "header_not_found", 400, "no header row naming the columns in the first rows"
    COLUMN_MISSING = "column_missing", 400, "a column the layout needs is missing"
    UNKNOWN_LAYOUT = "unknown_layout", 400, "not one of the layouts (members, grid)"
    # A mapping of headers and values.
    MAPPING_FORMAT = "mapping_format", 400, "the mapping is not an object of field names and headers"
    MAPPING_UNKNOWN_FIELD = "mapping_unknown_field", 400, "the mapping names an unknown field"
    MAPPING_UNKNOWN_VALUE = "mapping_unknown_value", 400, "the mapping gives a value the field does not allow"
    MAPPING_FIELD_NOT_IN_LAYOUT = (
        "mapping_field_not_in_layout",
        400,
        "the mapping names a field the layout does not read",
    )
    MAPPING_UNREADABLE = "mapping_unreadable", 400, "the mapping file cannot be read, or is not JSON or YAML"
    # Who may import, a run, the commit.
    IMPORT_FORBIDDEN = "import_forbidden", 403, "no personal-data role in the district"
    REGISTRY_CHANGED = "registry_changed", 409, "the registry changed while the file was checked; nothing was written"
    ID_NUMBER_EXISTS = "id_number_exists", 400, "a person with this ID number is already registered"
    RUN_NOT_FOUND = "run_not_found", 404, "no such import of yours or of a district you administer"
    RUN_NOT_COMMITTABLE = "run_not_committable", 409, "only a finished dry run whose file is kept can be committed"
    # Recorded on a run that stopped on an unexpected error (never raised; nothing was written).
    INTERNAL_ERROR = "internal_error", 500, "the run stopped on an unexpected error; nothing was written"
    # The areas a row names (a row's reasons too).
    UNKNOWN_COMMUNITY = "unknown_community", 400, "no community of the district has this name"
    COMMUNITY_AMBIGUOUS = "community_ambiguous", 400, "more than one community has this name"
    UNKNOWN_GRID = "unknown_grid", 400, "no grid of the community has this name"
    UNKNOWN_BUILDING = "unknown_building", 400, "no building of the area has this name"
    BUILDING_AMBIGUOUS = "building_ambiguous", 400, "more than one building of the area has this name"
    UNKNOWN_HOUSEHOLD = "unknown_household", 400, "no such unit and room in the building"
    HOUSEHOLD_AMBIGUOUS = "household_ambiguous", 400, "the room number is not unique in the building"
    UNKNOWN_ORG_UNIT = "unknown_org_unit", 400, "no organisation unit of the district has this name"
    # A row's reasons: listed by row in the dry run's summary and error report, never an HTTP
    # answer (400, as any bad input).
    NAME_MISSING = "name_missing", 400, "the row has no name"
    VALUE_MISSING = "value_missing", 400, "the row lacks a value its layout needs"
    VALUE_TOO_LONG = "value_too_long", 400, "a value longer than its field takes"
    VALUE_UNKNOWN = "value_unknown", 400, "a value the import does not know"
    BIRTH_DATE_MISMATCH = "birth_date_mismatch", 400, "the birth date differs from the one in the ID number"
    GENDER_MISMATCH = "gender_mismatch", 400, "the gender differs from the ID number's"
    DATE_FORMAT = "date_format", 400, "a value that cannot be read as a date"
    DATE_IMPOSSIBLE = "date_impossible", 400, "a date that does not exist"
    SUPPORT_BOTH = "support_both", 400, "both the subsistence allowance and extreme-poverty support"
    HOUSEHOLD_MISSING = "household_missing", 400, "the row does not say which household"
    DUPLICATE_ROW = "duplicate_row", 400, "the same person as an earlier row of the file"
    POSSIBLE_DUPLICATE_ROW = "possible_duplicate_row", 400, "perhaps the same person as an earlier row of the file"
    OUT_OF_SCOPE = "out_of_scope", 400, "the row's household or community is outside your area"
    # The review queue.
    REVIEW_ITEM_NOT_FOUND = "review_item_not_found", 404, "no such review item in your area"
    REVIEW_ITEM_DECIDED = "review_item_decided", 409, "the review item was already decided"
    UNKNOWN_DECISION = "unknown_decision", 400, "not merge, keep_separate or dismiss"
    MERGE_UNKNOWN_FIELD = "merge_unknown_field", 400, "a field that does not differ"
    MERGE_CHOICE = "merge_choice", 400, "a choice other than incoming or registry"
    MERGE_NOTHING_CHOSEN = "merge_nothing_chosen", 400, "no field takes the incoming value"
    MERGE_MEMBER_INCOMPLETE = (
        "merge_member_incomplete",
        400,
        "the member category without the home community, or the reverse",
    )
    KEEP_SEPARATE_SAME_ID = "keep_separate_same_id", 409, "the conflict shares the registered person's ID number"
    MERGE_ALREADY_UNDONE = "merge_already_undone", 409, "the merge was already undone"
    MERGE_NOT_LATEST = "merge_not_latest", 409, "a later merge of the person must be undone first"
    MERGE_CHANGED_SINCE = "merge_changed_since", 409, "the person changed after the merge"
    # Exporting a ledger.
    LEDGER_UNKNOWN = "ledger_unknown", 400, "not one of the ledgers (residents, households, members)"
    LEDGER_AREA_LEVEL = "ledger_area_level", 400, "ledgers are exported for a district, a community or a grid"
    AREA_NOT_FOUND = "area_not_found", 404, "no such area in your scope"
    PERSONAL_DATA_NOT_ALLOWED = "personal_data_not_allowed", 403, "your role over the area has no personal data"
    REVEAL_NEEDS_USER = "reveal_needs_user", 400, "an export in clear needs the user who asks for it"
