"""Background work of ledger imports (run by `wangge worker`).

The task is defined with the actions that enqueue it (`wangge.ledgers.actions.runs`); it is
also importable here, where tasks queued before it moved name it.
"""

from wangge.ledgers.actions.runs import run_import

__all__ = ["run_import"]
