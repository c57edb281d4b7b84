"""A new district, ready to be onboarded from its files: the district node, its first district
administrator (a one-time password, changed at the first login), district dispatch, and unless
asked otherwise the default case catalogue with its departments and routing, which the
administrator then edits at /manage/catalogue/ and /manage/routing/.

The operator runs it (`wangge district create`); everything else the district needs is done by
its administrator in the web app (docs/administration.md)."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.actions import create_user, one_time_password
from wangge.accounts.errors import AccountError
from wangge.accounts.models import Role, User
from wangge.areas.actions import create_district
from wangge.areas.models import AreaNode, Level
from wangge.cases.catalogue import install_default_catalogue, install_default_routing
from wangge.cases.queries import dispatch_unit
from wangge.lib.errors import DomainError
from wangge.lib.text import clean_text
from wangge.onboarding.common import record_import
from wangge.onboarding.errors import OnboardingError
from wangge.onboarding.report import OnboardingReport

DISTRICT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


@dataclass
class NewDistrict:
    report: OnboardingReport
    district: AreaNode | None = None
    admin: User | None = None
    password: str = ""  # shown once to the operator, never stored in clear


def start_district(
    acting_user: User | None, *, code: str, name: str, admin_username: str, catalogue: bool = True, commit: bool = False
) -> NewDistrict:
    """Check (and with `commit`, create) a district with its first administrator. A code already
    used by a district is refused; so is a taken user name (by `create_user`)."""
    code, name = code.strip(), clean_text(name).strip()
    if not DISTRICT_CODE.fullmatch(code):
        raise DomainError(
            OnboardingError.DISTRICT_CODE_INVALID, _("A district code is 1 to 40 letters, digits, '-' or '_'.")
        )
    if not name or len(name) > 100:
        raise DomainError(OnboardingError.VALUE_MISSING, _("The district needs a name of at most 100 characters."))
    if AreaNode.objects.filter(level=Level.DISTRICT, code=code).exists():
        raise DomainError(OnboardingError.DISTRICT_EXISTS, _("A district with this code exists already."))
    if User.objects.filter(username__iexact=admin_username.strip()).exists():
        raise DomainError(AccountError.USERNAME_TAKEN, _("This user name is already taken."))
    report = OnboardingReport(kind="district", rows=1)
    report.count("district")
    report.count("district_admin")
    if catalogue:
        report.count("catalogue")
    outcome = NewDistrict(report)
    if not commit:
        return outcome
    with transaction.atomic():
        district = create_district(acting_user, name=name, code=code)
        dispatch_unit(district.pk)
        if catalogue:
            install_default_catalogue(district)
            install_default_routing(district)
        outcome.password = one_time_password()
        outcome.admin = create_user(
            acting_user,
            username=admin_username,
            password=outcome.password,
            display_name=_("%(district)s administrator") % {"district": name},
            role=Role.DISTRICT_ADMIN,
            area=district,
            must_change_password=True,
        )
        outcome.district = district
        report.committed = True
        # The district's first audit row: what was set up (create_user records the user and role).
        record_import(acting_user, district, report)
    return outcome
