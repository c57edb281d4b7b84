"""Changing the case catalogue: groups and categories created and edited by the district's
administrator, a used category retired but never deleted, extra questions checked, a new time
limit that applies only to cases accepted afterwards, and an audit row for every change."""

import datetime as dt

import pytest
import time_machine

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.cases import actions
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import Category, CategoryQuestion, HandlingUnit, QuestionType, RoutingRule, TimeLimitUnit
from wangge.cases.tests.factories import SHANGHAI, file
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    return error.value.code


def _audits(change: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.CATALOGUE_CHANGED, detail__change=change).order_by("pk"))


@pytest.fixture
def other_admin(db):
    other = build_small_district("U")
    install_default_catalogue(other.district)
    return make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)


def test_the_district_admin_creates_a_group_and_a_category_in_it(small, catalogue, district_admin):
    group = actions.create_group(district_admin, district=small.district, code="AQ", name="安全隐患")
    category = actions.create_category(
        district_admin,
        group=group,
        code="AQ01",
        name="消防通道堵塞",
        time_limit=2,
        time_limit_unit=TimeLimitUnit.WORKING_DAYS,
        public=False,
    )
    assert category.parent == group and category.district == small.district and category.active
    assert (category.time_limit, category.public, category.return_visit_required) == (2, False, True)
    assert group.order > catalogue["MS"].order  # a new group is listed last
    created = _audits("category_created")
    assert len(created) == 1 and created[0].actor == district_admin and created[0].district_id == small.district.pk
    assert created[0].detail["code"] == "AQ01" and len(_audits("group_created")) == 1


def test_a_code_is_unique_in_the_district_and_well_formed(small, catalogue, district_admin):
    group = catalogue["SZ"]
    assert _code(actions.create_category, district_admin, group=group, code="SZ01", name="x") == "category_code_taken"
    assert _code(actions.create_category, district_admin, group=group, code="有 空格", name="x") == (
        "category_code_invalid"
    )
    assert _code(actions.create_category, district_admin, group=group, code="SZ09", name=" ") == (
        "category_name_required"
    )
    assert _code(actions.create_category, district_admin, group=group, code="SZ09", name="x", time_limit=0) == (
        "category_time_limit_invalid"
    )
    assert _code(actions.create_category, district_admin, group=catalogue["SZ01"], code="SZ09", name="x") == (
        "group_invalid"
    )
    assert not Category.objects.filter(code="SZ09").exists() and not _audits("category_created")


def test_another_districts_admin_and_community_staff_find_no_such_category(
    small, catalogue, other_admin, community_staff
):
    for user in (other_admin, community_staff):
        assert _code(actions.update_category, user, catalogue["SZ01"], name="改") == "category_not_found"
        assert _code(actions.retire_category, user, catalogue["SZ01"]) == "category_not_found"
        assert _code(actions.create_group, user, district=small.district, code="X", name="X") == "category_not_found"
    assert Category.objects.get(pk=catalogue["SZ01"].pk).name == "路灯不亮"


def test_a_category_with_cases_is_retired_never_deleted(small, catalogue, district_admin):
    used = catalogue["SZ01"]
    file(small, catalogue)
    assert _code(actions.delete_category, district_admin, used) == "category_in_use"
    retired = actions.retire_category(district_admin, used)
    assert not retired.active and Category.objects.filter(pk=used.pk).exists()
    with pytest.raises(DomainError) as error:
        file(small, {"SZ01": retired})  # a retired category takes no new cases
    assert error.value.code == "unknown_category"
    assert actions.reactivate_category(district_admin, used).active
    assert [
        a.detail["change"] for a in AuditEvent.objects.filter(action=AuditAction.CATALOGUE_CHANGED).order_by("pk")
    ] == [
        "retired",
        "reactivated",
    ]


def test_a_never_used_category_is_deleted_and_a_group_only_when_empty(small, catalogue, district_admin):
    group = actions.create_group(district_admin, district=small.district, code="AQ", name="安全隐患")
    category = actions.create_category(district_admin, group=group, code="AQ01", name="消防通道堵塞")
    assert _code(actions.delete_category, district_admin, group) == "group_not_empty"
    rule = actions.add_rule(district_admin, district=small.district, category=category, unit=_unit(small))
    assert _code(actions.delete_category, district_admin, category) == "category_routed"
    actions.delete_rule(district_admin, rule)
    actions.delete_category(district_admin, category)
    actions.delete_category(district_admin, group)
    assert not Category.objects.filter(code__startswith="AQ").exists()
    assert len(_audits("deleted")) == 2


def test_retiring_a_group_retires_its_categories(catalogue, district_admin):
    actions.retire_category(district_admin, catalogue["MD"])
    assert not Category.objects.filter(parent=catalogue["MD"], active=True).exists()
    assert _audits("retired")[0].detail["categories_retired"] == ["MD01", "MD02", "MD03"]


def test_a_new_time_limit_applies_to_cases_accepted_afterwards_only(small, catalogue, district_admin):
    category = catalogue["SZ01"]  # 3 working days
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)):  # a Monday
        before = actions.accept(district_admin, file(small, catalogue))
        waiting = file(small, catalogue)
        actions.update_category(district_admin, category, time_limit=1)
        after = actions.accept(district_admin, waiting)
    before.refresh_from_db()
    assert before.due_at == dt.datetime(2026, 11, 26, 17, 30, tzinfo=SHANGHAI)  # unchanged: 3 working days
    assert after.due_at == dt.datetime(2026, 11, 24, 17, 30, tzinfo=SHANGHAI)  # the new limit: 1 working day
    changed = _audits("category_updated")[0]
    assert changed.detail["changed"] == {"time_limit": [3, 1]} and changed.actor == district_admin


def test_an_edit_that_changes_nothing_writes_no_audit_row(catalogue, district_admin):
    actions.update_category(district_admin, catalogue["SZ01"], name="路灯不亮", time_limit=3)
    assert not _audits("category_updated")


def test_choice_questions_need_two_different_choices_and_codes_are_unique_slugs(catalogue, district_admin):
    category = catalogue["SZ02"]
    add = actions.add_question
    one = {"code": "kind", "label": "破损类型", "datatype": QuestionType.SINGLE}
    assert _code(add, district_admin, category, **one, choices=["坑洞"]) == "question_choices_invalid"
    assert _code(add, district_admin, category, **one, choices=["坑洞", "坑洞"]) == "question_choices_invalid"
    assert _code(add, district_admin, category, **{**one, "code": "破损 类型"}, choices=["a", "b"]) == (
        "question_code_invalid"
    )
    assert _code(add, district_admin, category, **{**one, "datatype": "colour"}) == "question_type_invalid"
    assert _code(add, district_admin, category, **{**one, "label": ""}, choices=["a", "b"]) == (
        "question_label_required"
    )
    question = add(district_admin, category, **one, required=True, choices=["坑洞", "裂缝", "塌陷"])
    assert question.choices == [
        {"key": "c1", "name": "坑洞"},
        {"key": "c2", "name": "裂缝"},
        {"key": "c3", "name": "塌陷"},
    ]
    assert _code(add, district_admin, category, **one, choices=["a", "b"]) == "question_code_taken"
    area = add(district_admin, category, code="area_m2", label="面积（平方米）", datatype=QuestionType.NUMBER)
    assert area.choices == [] and area.order == question.order + 1
    assert len(_audits("question_added")) == 2


def test_renaming_choices_keeps_the_keys_of_those_kept(catalogue, district_admin):
    question = actions.add_question(
        district_admin, catalogue["SZ02"], code="kind", label="类型", datatype="multiple", choices=["坑洞", "裂缝"]
    )
    changed = actions.update_question(
        district_admin,
        question,
        code="kind",
        label="破损类型",
        datatype="multiple",
        required=True,
        choices=["塌陷", "坑洞"],
    )
    assert changed.choices == [{"key": "c3", "name": "塌陷"}, {"key": "c1", "name": "坑洞"}]
    assert changed.required and _audits("question_updated")[0].detail["changed"]["label"] == ["类型", "破损类型"]


def test_questions_are_reordered_and_removed(small, catalogue, district_admin):
    category = catalogue["SZ01"]  # lamp_count, since
    lamp, since = list(category.questions.all())
    actions.reorder_questions(district_admin, category, [since.pk, lamp.pk])
    assert [q.code for q in category.questions.all()] == ["since", "lamp_count"]
    assert _code(actions.reorder_questions, district_admin, category, [since.pk]) == "question_order_invalid"
    actions.remove_question(district_admin, since)
    case = file(small, catalogue, answers={})  # "since" was required; it is not asked any more
    assert case.answers == {}
    assert list(CategoryQuestion.objects.filter(category=category)) == [lamp]
    assert [
        a.detail["change"] for a in AuditEvent.objects.filter(action=AuditAction.CATALOGUE_CHANGED).order_by("pk")
    ] == [
        "questions_reordered",
        "question_removed",
    ]


def test_a_question_added_is_asked_at_filing(small, catalogue, district_admin):
    actions.add_question(
        district_admin,
        catalogue["HJ01"],
        code="volume",
        label="垃圾量",
        datatype=QuestionType.SINGLE,
        required=True,
        choices=["一袋", "一车"],
    )
    assert _code(file, small, catalogue, code="HJ01", answers={}) == "answer_required"
    assert file(small, catalogue, code="HJ01", answers={"volume": "c2"}).answers == {"volume": "c2"}


def _unit(small):
    return HandlingUnit.objects.filter(district=small.district, kind="department").first()


def test_routing_rules_are_left_alone_by_retiring(catalogue, district_admin, dept_a):
    actions.retire_category(district_admin, catalogue["SZ"])
    assert RoutingRule.objects.filter(category=catalogue["SZ"]).exists()
