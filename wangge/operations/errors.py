"""The stable error codes of operations (backups and restores), each with its HTTP status and a
one-line meaning; the commands show them as `code: message`."""

from wangge.lib.errors import ErrorCode


class OperationsError(ErrorCode):
    BACKUP_DIRECTORY_NOT_EMPTY = "backup_directory_not_empty", 409, "a backup is written into a new or empty directory"
    BACKUP_NOT_FOUND = "backup_not_found", 404, "the directory holds no backup (no readable manifest.json)"
    BACKUP_DAMAGED = "backup_damaged", 400, "a file of the backup is missing or its size or checksum differs"
    ENGINE_UNSUPPORTED = "engine_unsupported", 400, "backups are made of SQLite and PostgreSQL databases only"
    ENGINE_MISMATCH = "engine_mismatch", 400, "the backup is of another database engine than the target's"
    RESTORE_TARGET_NOT_EMPTY = (
        "restore_target_not_empty",
        409,
        "a backup is restored only into an empty database and an empty media directory",
    )
    DATABASE_TOOL_FAILED = "database_tool_failed", 500, "pg_dump or pg_restore is missing or failed"
