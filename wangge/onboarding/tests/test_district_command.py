"""`wangge district create|list`: a new district with its first administrator, from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wangge.accounts.models import AuditAction, AuditEvent, Role, RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.cases.models import Category, HandlingUnit, RoutingRule, UnitKind


def run(*args: str) -> str:
    out = StringIO()
    call_command("district", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_dry_run_creates_nothing():
    output = run("create", "XQ", "新区", "--admin", "xq_admin")
    assert "--commit" in output
    assert not AreaNode.objects.filter(code="XQ").exists() and not User.objects.filter(username="xq_admin").exists()


@pytest.mark.django_db
def test_commit_creates_the_district_its_administrator_dispatch_and_the_default_catalogue():
    data = json.loads(run("create", "XQ", "新区", "--admin", "xq_admin", "--commit", "--json"))
    district = AreaNode.objects.get(level=Level.DISTRICT, code="XQ")
    admin = User.objects.get(username="xq_admin")
    assert data["district"] == district.pk and data["committed"] is True
    assert admin.check_password(data["password"]) and admin.must_change_password
    assert RoleAssignment.objects.filter(user=admin, role=Role.DISTRICT_ADMIN, area=district).exists()
    assert HandlingUnit.objects.filter(district=district, kind=UnitKind.DISPATCH).count() == 1
    assert (
        Category.objects.filter(district=district).exists() and RoutingRule.objects.filter(district=district).exists()
    )
    assert AuditEvent.objects.filter(action=AuditAction.ONBOARDING_IMPORTED, district_id=district.pk).count() == 1
    assert data["password"] not in json.dumps(list(AuditEvent.objects.values("detail")))
    listed = json.loads(run("list", "--json"))
    assert [row["code"] for row in listed] == ["XQ"] and listed[0]["grids"] == 0


@pytest.mark.django_db
def test_without_the_catalogue_the_district_starts_empty():
    run("create", "XQ", "新区", "--admin", "xq_admin", "--no-catalogue", "--commit")
    district = AreaNode.objects.get(code="XQ")
    assert not Category.objects.filter(district=district).exists()
    assert not RoutingRule.objects.filter(district=district).exists()


@pytest.mark.django_db
def test_a_taken_code_or_user_name_or_a_bad_code_is_refused_and_nothing_is_written(small):
    with pytest.raises(CommandError, match="district_exists"):
        run("create", small.district.code, "别的区", "--admin", "other", "--commit")
    User.objects.create(username="taken")
    with pytest.raises(CommandError, match="username_taken"):
        run("create", "XQ", "新区", "--admin", "TAKEN", "--commit")
    with pytest.raises(CommandError, match="district_code_invalid"):
        run("create", "X Q", "新区", "--admin", "xq_admin", "--commit")
    assert not AreaNode.objects.filter(code__in=["XQ", "X Q"]).exists()
    assert not User.objects.filter(username="xq_admin").exists()
