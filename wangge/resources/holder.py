"""What the social organisations' projects hold about a person (the projects that served them),
registered with the people app's holders (`wangge.people.holders`) by `ResourcesConfig.ready`.
Anonymisation removes the person from the projects' beneficiaries; the projects' counts stay."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.people.holders import Holder
from wangge.people.models import Person
from wangge.resources.models import ProjectBeneficiary


def projects_of(person: Person) -> list[dict[str, Any]]:
    rows = ProjectBeneficiary.objects.filter(person=person).select_related("project__org").order_by("created_at", "pk")
    return [
        {
            "organisation": row.project.org.name,
            "project": row.project.name,
            "starts_on": row.project.starts_on,
            "ends_on": row.project.ends_on,
        }
        for row in rows
    ]


def forget(acting_user: User | None, person_ids: list[int]) -> None:
    ProjectBeneficiary.objects.filter(person_id__in=person_ids).delete()


HOLDER = Holder(
    key="resources_projects",
    title=_("Social organisations' projects that served the person"),
    columns=[
        ("organisation", _("Organisation")),
        ("project", _("Project")),
        ("starts_on", _("From")),
        ("ends_on", _("To")),
    ],
    held=projects_of,
    forget=forget,
)
