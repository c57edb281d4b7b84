"""Every change an import makes goes through these functions, one module per topic:

* `importing` — who may import, the dry run and the commit of a file (all or nothing);
* `writing` — what a commit writes for each chunk (new persons, fingerprints, review items);
* `runs` — an import in the background: starting, committing a dry run, the task's body;
* `review` — deciding the review queue (merge with a choice per field, undo a merge, keep
  separate, dismiss);
* `rights` — what imports keep about residents, deleted for anonymisation.

Persons are created through `wangge.people.actions.add_persons` and `register_members`.
The names callers use are importable from here.
"""

from wangge.ledgers.actions.importing import ImportOutcome, Progress, check_file, import_people, import_scope
from wangge.ledgers.actions.review import Choice, Decision, decide_review, review_detail, undo_merge
from wangge.ledgers.actions.rights import forget_persons
from wangge.ledgers.actions.runs import (
    RunProgress,
    commit_import,
    discard_upload,
    execute_run,
    purge_uploads,
    start_import,
)

__all__ = [
    "Choice",
    "Decision",
    "ImportOutcome",
    "Progress",
    "RunProgress",
    "check_file",
    "commit_import",
    "decide_review",
    "discard_upload",
    "execute_run",
    "forget_persons",
    "import_people",
    "import_scope",
    "purge_uploads",
    "review_detail",
    "start_import",
    "undo_merge",
]
