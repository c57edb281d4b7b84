"""The social organisations registry (社会组织) and their projects: registering an organisation
with its community, its contacts (the phone encrypted at rest, bound to its row, shown masked),
linking an account that acts for it, recording a project and the persons of the registry it
served. Every change in one transaction with its audit row.

Who: the community's staff over the organisation's community and the district's administrators
register organisations and record projects; an organisation's own account records its projects
too. Reading (`visible_orgs`): the same staff, the district's supervisors, and an organisation's
own accounts (their organisation only). Outside answers 404.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
from wangge.lib.crypto import encrypt_field
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import mask_phone, normalise_phone
from wangge.orgs.models import HORIZONTAL_KINDS, OrgUnit
from wangge.people.models import Person
from wangge.resources.errors import ResourceError
from wangge.resources.models import (
    MAX_TEXT,
    FilingStatus,
    Project,
    ProjectBeneficiary,
    SocialOrg,
    SocialOrgAccount,
    SocialOrgContact,
    SocialOrgKind,
)

REGISTRY_ROLES = (Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN)
_LEVELS: dict[str, str] = {Level.DISTRICT: "district", Level.COMMUNITY: "community"}


def visible_orgs(user: User) -> QuerySet[SocialOrg]:
    own = SocialOrgAccount.objects.filter(user_id=user.pk).values("org_id")
    return SocialOrg.objects.filter(scope_q(user, _LEVELS, roles=(*REGISTRY_ROLES, Role.SUPERVISOR)) | Q(pk__in=own))


def may_keep(user: User, org: SocialOrg) -> bool:
    """Whether the user may record the organisation's projects."""
    return (
        has_role_over(user, org.community, *REGISTRY_ROLES)
        or SocialOrgAccount.objects.filter(org=org, user_id=user.pk).exists()
    )


def _forbidden() -> DomainError:
    return DomainError(ResourceError.RESOURCE_FORBIDDEN, _("Keeping this organisation's records is not your role."))


def _invalid(message: str) -> DomainError:
    return DomainError(ResourceError.SOCIAL_ORG_INVALID, message)


def register_org(
    acting_user: User,
    *,
    community: AreaNode,
    name: str,
    kind: str,
    filing_status: str,
    service_areas: Sequence[AreaNode] = (),
    members: int = 0,
    party_unit: OrgUnit | None = None,
) -> SocialOrg:
    if community.level != Level.COMMUNITY:
        raise _invalid(_("An organisation is filed with a community."))
    if not has_role_over(acting_user, community, *REGISTRY_ROLES):
        raise _forbidden()
    name = name.strip()
    if not name or len(name) > 200 or kind not in SocialOrgKind.values or filing_status not in FilingStatus.values:
        raise _invalid(_("Give a name of 1 to 200 characters and choose the kind and filing status from the lists."))
    if any(a.level != Level.COMMUNITY or a.district_id != community.district_id for a in service_areas):
        raise _invalid(_("Service areas are communities of the district."))
    if party_unit is not None and (
        party_unit.kind not in HORIZONTAL_KINDS or party_unit.district_id != community.district_id
    ):
        raise _invalid(_("The party unit is a horizontal unit of the district's organisation tree."))
    if not 0 <= members <= 1_000_000:
        raise _invalid(_("Members are 0 to 1,000,000."))
    with transaction.atomic():
        org = SocialOrg.objects.create(
            district_id=community.district_id,
            community=community,
            name=name,
            kind=kind,
            filing_status=filing_status,
            members=members,
            party_unit=party_unit,
        )
        org.service_areas.set(service_areas or [community])
        audit.record(
            acting_user, AuditAction.SOCIAL_ORG_CHANGED, obj=org, district_id=org.district_id, detail={"created": True}
        )
    return org


def add_contact(acting_user: User, org: SocialOrg, *, name: str, phone: str) -> SocialOrgContact:
    """A contact person; the phone is stored encrypted (bound to the row) and masked."""
    if not has_role_over(acting_user, org.community, *REGISTRY_ROLES):
        raise _forbidden()
    phone = normalise_phone(phone)
    if not name.strip() or len(name) > 100:
        raise _invalid(_("Give the contact's name, at most 100 characters."))
    with transaction.atomic():
        contact = SocialOrgContact.objects.create(org=org, name=name.strip(), phone_masked=mask_phone(phone))
        contact.phone_encrypted = encrypt_field(contact, "phone_encrypted", phone)
        contact.save(update_fields=["phone_encrypted"])
        audit.record(
            acting_user,
            AuditAction.SOCIAL_ORG_CHANGED,
            obj=org,
            district_id=org.district_id,
            detail={"contact": contact.pk},
        )
    return contact


def add_org_account(acting_user: User, org: SocialOrg, user: User) -> SocialOrgAccount:
    if not has_role_over(acting_user, org.community, *REGISTRY_ROLES):
        raise _forbidden()
    with transaction.atomic():
        account, _created = SocialOrgAccount.objects.get_or_create(org=org, user=user)
        audit.record(
            acting_user,
            AuditAction.SOCIAL_ORG_CHANGED,
            obj=org,
            district_id=org.district_id,
            detail={"account": user.pk},
        )
    return account


def record_project(
    acting_user: User,
    org: SocialOrg,
    *,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    goals: str = "",
    budget: Decimal = Decimal(0),
    beneficiaries: int = 0,
    activities: str = "",
    outcomes: str = "",
) -> Project:
    if not may_keep(acting_user, org):
        raise _forbidden()
    if not name.strip() or len(name) > 200 or ends_on < starts_on or budget < 0 or beneficiaries < 0:
        raise _invalid(_("A project has a name, ends on or after it starts, and no negative budget or count."))
    if max(len(goals), len(activities), len(outcomes)) > MAX_TEXT:
        raise _invalid(_("Goals, activities and outcomes are at most 2,000 characters each."))
    with transaction.atomic():
        project = Project.objects.create(
            org=org,
            name=name.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            goals=goals,
            budget=budget,
            beneficiaries=beneficiaries,
            activities=activities,
            outcomes=outcomes,
        )
        audit.record(acting_user, AuditAction.PROJECT_CHANGED, obj=project, district_id=org.district_id, detail={})
    return project


def add_beneficiary(acting_user: User, project: Project, person: Person) -> ProjectBeneficiary:
    """Record that the project served a person of the registry (personal data: only the
    community's staff, over the person's community)."""
    org = project.org
    if not has_role_over(acting_user, org.community, *REGISTRY_ROLES) or person.district_id != org.district_id:
        raise _forbidden()
    with transaction.atomic():
        row, _created = ProjectBeneficiary.objects.get_or_create(project=project, person=person)
        audit.record(
            acting_user,
            AuditAction.PROJECT_CHANGED,
            obj=project,
            district_id=org.district_id,
            detail={"beneficiary": person.pk},
        )
    return row
