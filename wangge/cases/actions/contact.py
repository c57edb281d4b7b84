"""The reporter's contact (personal data), revealed in clear only for a stated reason, with an
audit row."""

from django.utils.translation import gettext as _

from wangge.accounts import second_factor
from wangge.accounts.audit import record, require_reason
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, User
from wangge.cases.errors import CaseError
from wangge.cases.models import Case
from wangge.cases.policy import in_area_scope
from wangge.cases.queries import unit_ids
from wangge.lib.crypto import decrypt_field
from wangge.lib.errors import DomainError


def reveal_reporter_contact(acting_user: User, case: Case, *, reason: str, ip_address: str | None = None) -> str:
    """The reporter's contact in clear, for a stated reason, with an audit row (reason, never the
    value). Only for the staff of the unit now handling the case, or a personal-data role
    (`PERSONAL_DATA_ROLES`) over the case's area; a department sees it while the case is theirs.

    The caller loads the case in the user's scope first (404 outside it); here 403
    `reveal_not_allowed`, 403 `second_factor_required` (the policy asks for a second factor this
    session has not verified), 400 `reveal_reason_required`, 404 `no_reporter_contact`."""
    if not (case.unit_id is not None and case.unit_id in unit_ids(acting_user)) and not in_area_scope(
        acting_user, case, PERSONAL_DATA_ROLES
    ):
        raise DomainError(
            CaseError.REVEAL_NOT_ALLOWED,
            _("Only the unit handling this case may see the reporter's contact."),
            status=403,
        )
    second_factor.require_verified(acting_user)
    text = require_reason(reason)
    if not case.reporter_contact_encrypted:
        raise DomainError(CaseError.NO_REPORTER_CONTACT, _("This case has no contact of its reporter."), status=404)
    record(
        acting_user,
        AuditAction.PERSONAL_DATA_REVEALED,
        obj=case,
        district_id=case.district_id,
        ip_address=ip_address,
        detail={"reason": text, "fields": ["reporter_contact"], "unit": case.unit_id},
    )
    return decrypt_field(case, "reporter_contact_encrypted")
