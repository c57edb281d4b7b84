"""Every change to a case goes through these functions: filing, each step of the workflow,
co-handling, extensions, urging, supervision, return visits and the overdue sweep.

Each action runs in one transaction, locks the case row, refuses a stale `version` (someone
else acted meanwhile), checks the transition against `workflow.TRANSITIONS`, writes the
timeline event (`cases.events`) and leaves notifications to be sent after commit.

One module per idea: `filing`, `chain` (accept to close), `coordination` (merging,
co-handling, urging, supervision), `deadlines` (extensions, the overdue sweep), `photos`,
`contact` (the reporter's personal data), `notifications`, `units` (the staff of a handling
unit), `catalogue` (groups, categories, extra questions), `routing` (the routing rules);
`common` holds what they share.
"""

from wangge.cases.actions.catalogue import (
    add_question,
    create_category,
    create_group,
    delete_category,
    reactivate_category,
    remove_question,
    reorder_questions,
    retire_category,
    update_category,
    update_group,
    update_question,
)
from wangge.cases.actions.chain import (
    accept,
    change_category,
    close,
    dispatch,
    handle,
    hold,
    record_visit,
    reject,
    resume,
    return_to_dispatch,
    start,
    verify,
)
from wangge.cases.actions.contact import reveal_reporter_contact
from wangge.cases.actions.coordination import add_co_handler, finish_co_handling, merge, supervise, urge
from wangge.cases.actions.deadlines import decide_extension, request_extension, sweep_overdue
from wangge.cases.actions.filing import MAX_DESCRIPTION, building_at, file_case
from wangge.cases.actions.notifications import mark_notifications_read
from wangge.cases.actions.photos import attach_photo
from wangge.cases.actions.routing import add_rule, delete_rule, move_rule, update_rule
from wangge.cases.actions.units import add_unit_staff, create_unit, remove_unit_staff, update_unit

__all__ = [
    "MAX_DESCRIPTION",
    "accept",
    "add_co_handler",
    "add_question",
    "add_rule",
    "add_unit_staff",
    "create_unit",
    "attach_photo",
    "building_at",
    "change_category",
    "close",
    "decide_extension",
    "dispatch",
    "file_case",
    "finish_co_handling",
    "handle",
    "hold",
    "mark_notifications_read",
    "merge",
    "record_visit",
    "reject",
    "remove_unit_staff",
    "request_extension",
    "resume",
    "return_to_dispatch",
    "reveal_reporter_contact",
    "start",
    "supervise",
    "sweep_overdue",
    "update_unit",
    "urge",
    "verify",
    "create_category",
    "create_group",
    "delete_category",
    "delete_rule",
    "move_rule",
    "reactivate_category",
    "remove_question",
    "reorder_questions",
    "retire_category",
    "update_category",
    "update_group",
    "update_question",
    "update_rule",
]
