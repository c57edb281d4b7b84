"""The stable error codes of the case chain, each with its HTTP status and a one-line meaning.

The actions, the steps and the REST endpoints raise `DomainError(CaseError.…, message)`; each
endpoint lists the codes it can answer (`wangge.api.errors.answers`), and the OpenAPI document
shows them with these meanings. The message the user reads is the translated text given where
the error is raised.
"""

from wangge.lib.errors import ErrorCode


class CaseError(ErrorCode):
    # Any step
    STALE_VERSION = "stale_version", 409, "someone else changed the case meanwhile; reload it and try again"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed", 409, "the case's state does not allow this step"
    FORBIDDEN = "forbidden", 403, "you see the case, but this step is not yours to take"
    CASE_CLOSED = "case_closed", 409, "the case is already closed"
    REASON_REQUIRED = "reason_required", 400, "a reason must be given"
    RESULT_REQUIRED = "result_required", 400, "the result must be described"

    # Filing and the category
    UNKNOWN_CATEGORY = "unknown_category", 400, "not an active category (not a group) of your districts"
    UNKNOWN_CHANNEL = "unknown_channel", 400, "not a channel of the platform"
    DESCRIPTION_REQUIRED = "description_required", 400, "the description is empty"
    DESCRIPTION_TOO_LONG = "description_too_long", 400, "the description is longer than 4,000 characters"
    ANSWER_REQUIRED = "answer_required", 400, "a required question of the category is not answered"
    ANSWER_INVALID = "answer_invalid", 400, "an answer does not fit its question"
    LOCATION_REQUIRED = "location_required", 400, "no place given: a point, a building or an address"
    ADDRESS_UNKNOWN = "address_unknown", 400, "no building of the district has this address"
    ADDRESS_AMBIGUOUS = "address_ambiguous", 400, "several buildings of the district match the address; choose one"
    NOT_A_BUILDING = "not_a_building", 400, "the building is not a building of this district"
    OUTSIDE_DISTRICT = "outside_district", 400, "the place lies outside the category's district"
    TOO_LATE_TO_RECLASSIFY = "too_late_to_reclassify", 409, "the category changes only before the case is dispatched"

    # Dispatch, handling, checking, closing
    UNKNOWN_UNIT = "unknown_unit", 404, "no such handling unit of the case's district within your area"
    UNIT_OUTSIDE_DISTRICT = "unit_outside_district", 400, "the unit belongs to another district"
    CO_HANDLERS_OPEN = "co_handlers_open", 409, "co-handling units are still working on the case"
    UNKNOWN_SATISFACTION = "unknown_satisfaction", 400, "not one of satisfied, basically satisfied, unsatisfied"
    RETURN_VISIT_REQUIRED = "return_visit_required", 409, "the category needs a return visit before closing"
    MERGE_TARGET_INVALID = "merge_target_invalid", 400, "the target is the case itself, closed, or of another district"

    # Co-handling
    TASK_REQUIRED = "task_required", 400, "the co-handling task must be described"
    TIME_LIMIT_INVALID = "time_limit_invalid", 400, "the time limit is less than one working day"
    CO_HANDLER_INVALID = "co_handler_invalid", 400, "the unit is the responsible unit itself, or of another district"
    CO_HANDLER_EXISTS = "co_handler_exists", 400, "the unit already co-handles the case"
    CO_HANDLING_CLOSED = "co_handling_closed", 409, "the co-handling task is already finished"

    # Extensions
    EXTENSION_REASON_REQUIRED = "extension_reason_required", 400, "an extension needs a reason"
    EXTENSION_DAYS_INVALID = "extension_days_invalid", 400, "an extension is 1 to 60 working days"
    EXTENSION_PENDING = "extension_pending", 409, "an extension request is already waiting for a decision"
    EXTENSION_DECIDED = "extension_decided", 409, "the extension request was already decided"
    EXTENSION_MOOT = "extension_moot", 409, "the unit no longer holds the case (it handled or returned it)"

    # The staff of a handling unit
    STAFF_USER_UNKNOWN = "staff_user_unknown", 400, "no user with this user name holds a role in the unit's district"
    STAFF_EXISTS = "staff_exists", 409, "the user is already on the unit's staff"
    STAFF_MISSING = "staff_missing", 409, "the user is not on the unit's staff"

    # The catalogue (groups, categories, extra questions)
    CATEGORY_NOT_FOUND = "category_not_found", 404, "no such group or category of a district you administer"
    CATEGORY_NAME_REQUIRED = "category_name_required", 400, "a group or category needs a name"
    CATEGORY_CODE_INVALID = "category_code_invalid", 400, "a code is 1 to 40 letters, digits, '-' or '_'"
    CATEGORY_CODE_TAKEN = "category_code_taken", 409, "another group or category of the district has this code"
    GROUP_INVALID = "group_invalid", 400, "not a group (top-level entry) of the category's district"
    CATEGORY_TIME_LIMIT_INVALID = "category_time_limit_invalid", 400, "the time limit is 1 to 365 working days or hours"
    CATEGORY_IN_USE = "category_in_use", 409, "cases were filed under the category: retire it instead of deleting"
    GROUP_NOT_EMPTY = "group_not_empty", 409, "the group still has categories: delete or move them first"
    CATEGORY_ROUTED = "category_routed", 409, "routing rules name the category: delete them first"
    QUESTION_LABEL_REQUIRED = "question_label_required", 400, "a question needs its text"
    QUESTION_CODE_INVALID = "question_code_invalid", 400, "a question's code is a slug: letters, digits, '-' or '_'"
    QUESTION_CODE_TAKEN = "question_code_taken", 409, "another question of the category has this code"
    QUESTION_TYPE_INVALID = "question_type_invalid", 400, "not text, number, date, single or multiple choice"
    QUESTION_CHOICES_INVALID = "question_choices_invalid", 400, "a choice question needs at least two different choices"
    QUESTION_ORDER_INVALID = "question_order_invalid", 400, "the new order does not list each question once"

    # Routing rules
    RULE_NOT_FOUND = "rule_not_found", 404, "no such routing rule of a district you administer"
    RULE_PRIORITY_INVALID = "rule_priority_invalid", 400, "the priority is a whole number from 1 to 1,000,000"
    RULE_AREA_INVALID = (
        "rule_area_invalid",
        400,
        "the area is not a district, community, grid, building group or building of the district",
    )
    RULE_CATEGORY_INVALID = "rule_category_invalid", 400, "not a group or category of the rule's district"
    RULE_UNIT_INVALID = "rule_unit_invalid", 400, "not a handling unit of the rule's district"
    # The handling units themselves
    UNIT_NAME_INVALID = "unit_name_invalid", 400, "a unit's name is empty or longer than 100 characters"
    UNIT_NAME_TAKEN = "unit_name_taken", 409, "the district already has a unit with this name"
    UNIT_KIND_INVALID = "unit_kind_invalid", 400, "not a department, street, community or dispatch"
    UNIT_AREA_INVALID = "unit_area_invalid", 400, "the area is not a community of the unit's district"
    UNIT_DISPATCH_EXISTS = "unit_dispatch_exists", 409, "the district already has its dispatch unit"

    # Supervision
    SUPERVISING_BODY_REQUIRED = "supervising_body_required", 400, "the supervising body must be named"
    UNKNOWN_SUPERVISION_LEVEL = "unknown_supervision_level", 400, "the supervision level is yellow or red"

    # The reporter's contact
    REVEAL_NOT_ALLOWED = "reveal_not_allowed", 403, "only the unit handling the case may see the reporter's contact"
    NO_REPORTER_CONTACT = "no_reporter_contact", 404, "the case has no contact of its reporter"
