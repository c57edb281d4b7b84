"""Background work of ledger imports (run by `wangge worker`)."""

from typing import Any

from django.tasks import task


@task()
def run_import(run_id: int) -> dict[str, Any]:
    """Check (and, for a commit run, apply) the stored file of a queued `ImportRun`, updating its
    progress as it goes; see `wangge.ledgers.actions.runs.execute_run` (imported when the task runs:
    that module enqueues this task)."""
    from wangge.ledgers.actions.runs import execute_run

    return execute_run(run_id)
