"""What every onboarding import shares: who may import a district's files, reading the file
into the report (a file that cannot be read is the report's one problem), the cells a row
needs, and the one audit row of a commit (its kind and counts, never a value of a row)."""

from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.districts import administers
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode
from wangge.lib.errors import DomainError, Invalid
from wangge.onboarding.errors import OnboardingError
from wangge.onboarding.files import Column, Sheet, read_sheet
from wangge.onboarding.report import OnboardingReport


def check_may_onboard(acting_user: User | None, district: AreaNode) -> None:
    """The district's administrators (and superusers) import its files; `None` is the operator
    at the command line. For anyone else the district does not exist (404)."""
    if not administers(acting_user, district.pk):
        raise DomainError(OnboardingError.ONBOARDING_NOT_ALLOWED, _("No such district."))


def read_into(
    report: OnboardingReport, path: str | Path, columns: Sequence[Column], required: Sequence[tuple[str, ...]]
) -> Sheet | None:
    """The file's rows, with `report.rows` set; None (and the reason as the report's problem)
    when the file cannot be used."""
    try:
        sheet = read_sheet(path, columns, required)
    except DomainError as error:
        report.problem(None, error.code, error.message)
        return None
    report.rows = len(sheet.rows)
    if not sheet.rows:
        report.problem(None, OnboardingError.NO_ROWS, _("The file has a header but no rows below it."))
        return None
    return sheet


def needed(cells: dict[str, str], name: str, column: Column, max_length: int = 200) -> str:
    """The cell `name` of a row, which must not be empty (`Invalid` otherwise)."""
    value = cells.get(name, "")
    if not value:
        raise Invalid(
            OnboardingError.VALUE_MISSING, _("The column “%(column)s” is empty.") % {"column": column.headers[0]}
        )
    return limited(value, column, max_length)


def limited(value: str, column: Column, max_length: int = 200) -> str:
    if len(value) > max_length:
        raise Invalid(
            OnboardingError.VALUE_TOO_LONG,
            _("The column “%(column)s” holds more than %(limit)d characters.")
            % {"column": column.headers[0], "limit": max_length},
        )
    return value


def record_import(acting_user: User | None, district: AreaNode, report: OnboardingReport) -> None:
    """The commit's audit row: the kind of file and the counts; never a value of a row."""
    record(
        acting_user,
        AuditAction.ONBOARDING_IMPORTED,
        obj=district,
        district_id=district.pk,
        detail={
            "kind": report.kind,
            "rows": report.rows,
            "created": dict(report.created),
            "unchanged": report.unchanged,
            "warnings": len(report.warnings),
        },
    )
