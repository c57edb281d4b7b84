"""The stable codes of the onboarding imports: the problems that stop a commit (by row, or for
the file as a whole) and the warnings that do not. A file that cannot be read at all answers
with the ledgers' codes (`file_type`, `file_unreadable`, `file_too_large`, `header_not_found`,
`column_missing`, …), since it is read by their reader. docs/import.md lists them for users.
"""

from enum import StrEnum

from wangge.lib.errors import ErrorCode


class OnboardingError(ErrorCode):
    # A new district (`wangge district create`).
    DISTRICT_CODE_INVALID = "district_code_invalid", 400, "a district code is 1 to 40 letters, digits, '-' or '_'"
    DISTRICT_EXISTS = "district_exists", 409, "a district with this code exists already"
    ONBOARDING_NOT_ALLOWED = "onboarding_not_allowed", 404, "only the district's administrators import its files"
    DISTRICT_CHANGED = "district_changed", 409, "the district changed between the check and the write; nothing written"
    NO_ROWS = "no_rows", 400, "the file has a header but no data rows"
    VALUE_MISSING = "value_missing", 400, "a cell the row needs is empty"
    VALUE_TOO_LONG = "value_too_long", 400, "a cell is longer than the platform keeps"
    # Areas named in a row.
    UNKNOWN_COMMUNITY = "unknown_community", 400, "no community of the district has this name"
    UNKNOWN_GRID = "unknown_grid", 400, "no grid of the community has this name"
    UNKNOWN_AREA = "unknown_area", 400, "no area of the district has this name or code"
    AREA_AMBIGUOUS = "area_ambiguous", 400, "several areas of the district have this name; the candidates are named"
    AREA_LEVEL = "area_level", 400, "the area is not at the level the row needs"
    # Addresses.
    COORDINATES_INCOMPLETE = "coordinates_incomplete", 400, "a longitude without a latitude, or the reverse"
    BAD_COORDINATES = "bad_coordinates", 400, "a longitude or latitude that is not a number in range"
    CRS_MISSING = "crs_missing", 400, "a point without its coordinate system (column 坐标系 or --crs)"
    UNKNOWN_CRS = "unknown_crs", 400, "a coordinate system other than WGS-84, GCJ-02 or BD-09"
    POINT_OUTSIDE_GRID = "point_outside_grid", 400, "the building's point lies outside its grid"
    DUPLICATE_HOUSEHOLD = "duplicate_household", 400, "the same building, unit and room as an earlier row"
    BUILDING_GROUP_DIFFERS = "building_group_differs", 400, "the same building in two building groups"
    # Staff.
    USERNAME_INVALID = "username_invalid", 400, "a user name with characters a user name may not have"
    DUPLICATE_USERNAME = "duplicate_username", 400, "the same user name as an earlier row"
    USERNAME_TAKEN = "username_taken", 400, "the user name belongs to a user of no role in this district"
    UNKNOWN_ROLE = "unknown_role", 400, "not one of the platform's roles"
    UNKNOWN_UNIT = "unknown_unit", 400, "no handling unit of the district has this name"
    UNIT_REQUIRED = "unit_required", 400, "a functional department's staff need their unit"
    BAD_PHONE = "bad_phone", 400, "a phone number without 7 to 15 digits"
    # Organisation and resident units.
    UNKNOWN_UNIT_KIND = "unknown_unit_kind", 400, "not one of the kinds of organisation unit"
    DATE_FORMAT = "date_format", 400, "a date that cannot be read"
    CLOSES_BEFORE_OPENING = "closes_before_opening", 400, "a unit closing before it opens"
    TEMPORARY_NEEDS_DATES = "temporary_needs_dates", 400, "a temporary branch without the date it opens"
    DUPLICATE_UNIT = "duplicate_unit", 400, "the same unit as an earlier row"
    # Survey rounds' sheets.
    HOUSEHOLD_NOT_IN_ROUND = "household_not_in_round", 400, "the household is not on the survey round's list"


class OnboardingWarning(StrEnum):
    """What a dry run reports and a commit leaves as it is, without stopping the import."""

    BUILDING_IN_OTHER_GRID = "building_in_other_grid"  # the building is under another grid; not moved
    NAME_DIFFERS = "name_differs"  # the user exists with another name; the name is not changed
    UNIT_NAME_DIFFERS = "unit_name_differs"  # the area's unit exists with another name; not renamed
