"""`wangge worker [db_worker options]`: run the background-task worker.

This is django-tasks-db's `db_worker` under the platform's name: every option of `db_worker`
(`--queue-name`, `--batch`, `--max-tasks`, `--interval`, …) is accepted and passed through
unchanged, and `wangge worker --help` lists them.
"""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run the background-task worker (django-tasks-db's db_worker; same options)."
