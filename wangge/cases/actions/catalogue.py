"""The district's case catalogue: groups (top-level entries), the categories cases are filed
under, and each category's extra questions.

A district administrator (or a superuser) changes the catalogue of their district(s); for anyone
else its entries do not exist (`category_not_found`, 404). Every change is one transaction with
an audit row `catalogue_changed` naming what changed (`change`) and the old and new values.

A category under which cases were filed is never deleted: it is retired (`active` false), which
takes it off the filing forms and keeps every case and figure that names it. A new time limit
applies to cases accepted from then on: a case's deadline is computed once, at acceptance, and
stored (`Case.due_at`).
"""

import re
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.districts import administers
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode, Level
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, Category, CategoryQuestion, QuestionType, RoutingRule, TimeLimitUnit
from wangge.lib.errors import DomainError

CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TIME_LIMIT_MAX = 365
# The fields of a category an administrator edits (besides its group, code and name).
CATEGORY_SETTINGS = (
    "description",
    "time_limit",
    "time_limit_unit",
    "public",
    "public_location",
    "return_visit_required",
    "reopen_when_unsatisfied",
    "order",
)


def _check_district(acting_user: User, district_id: int) -> None:
    if not administers(acting_user, district_id):
        raise DomainError(CaseError.CATEGORY_NOT_FOUND, _("No such group or category."))


def _audit(acting_user: User, change: str, entry: Category, **detail: Any) -> None:
    record(
        acting_user,
        AuditAction.CATALOGUE_CHANGED,
        obj=entry,
        district_id=entry.district_id,
        detail={"change": change, "code": entry.code, "name": entry.name, **detail},
    )


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(CaseError.CATEGORY_NAME_REQUIRED, _("Give a name of at most 100 characters."))
    return name


def _code(district_id: int, code: str, *, exclude: int | None = None) -> str:
    code = (code or "").strip()
    if not CODE.match(code):
        raise DomainError(
            CaseError.CATEGORY_CODE_INVALID,
            _("A code is 1 to 40 letters, digits, “-” or “_”, without spaces."),
        )
    taken = Category.objects.filter(district_id=district_id, code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise DomainError(
            CaseError.CATEGORY_CODE_TAKEN,
            _("The code %(code)s is already used in this district.") % {"code": code},
        )
    return code


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    """The category settings given, checked: unknown names are a programming error."""
    unknown = set(values) - set(CATEGORY_SETTINGS)
    if unknown:
        raise TypeError(f"not category settings: {sorted(unknown)}")
    cleaned = dict(values)
    if "time_limit" in cleaned:
        try:
            limit = int(cleaned["time_limit"])
        except (TypeError, ValueError):
            limit = 0
        if not 1 <= limit <= TIME_LIMIT_MAX:
            raise DomainError(
                CaseError.CATEGORY_TIME_LIMIT_INVALID,
                _("The time limit is a whole number from 1 to %(max)d.") % {"max": TIME_LIMIT_MAX},
            )
        cleaned["time_limit"] = limit
    if "time_limit_unit" in cleaned and cleaned["time_limit_unit"] not in TimeLimitUnit.values:
        raise DomainError(
            CaseError.CATEGORY_TIME_LIMIT_INVALID, _("The time limit is in working days or working hours.")
        )
    if "description" in cleaned:
        cleaned["description"] = str(cleaned["description"] or "").strip()[:2000]
    if "order" in cleaned:
        cleaned["order"] = max(0, min(int(cleaned["order"] or 0), 32767))
    for flag in ("public", "public_location", "return_visit_required", "reopen_when_unsatisfied"):
        if flag in cleaned:
            cleaned[flag] = bool(cleaned[flag])
    return cleaned


def _locked(entry: Category) -> Category:
    return Category.objects.select_for_update().get(pk=entry.pk)


def _apply(entry: Category, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set `values` on the entry; the fields that changed, each with its old and new value."""
    changed: dict[str, list[Any]] = {}
    for field, value in values.items():
        old = getattr(entry, field)
        if old != value:
            changed[field] = [old, value]
            setattr(entry, field, value)
    return changed


def _next_order(district_id: int, parent: Category | None) -> int:
    top = Category.objects.filter(district_id=district_id, parent=parent).aggregate(top=Max("order"))["top"]
    return 0 if top is None else top + 1


# --- groups -------------------------------------------------------------------------------


def create_group(acting_user: User, *, district: AreaNode, code: str, name: str) -> Category:
    """A new top-level group of the district's catalogue, listed after the others."""
    if district.level != Level.DISTRICT:
        raise DomainError(CaseError.CATEGORY_NOT_FOUND, _("No such group or category."))
    _check_district(acting_user, district.pk)
    name = _name(name)
    with transaction.atomic():
        code = _code(district.pk, code)
        group = Category.objects.create(district=district, code=code, name=name, order=_next_order(district.pk, None))
        _audit(acting_user, "group_created", group)
    return group


def update_group(acting_user: User, group: Category, *, code: str, name: str, order: int | None = None) -> Category:
    if group.parent_id is not None:
        raise DomainError(CaseError.GROUP_INVALID, _("Choose a group of this district."))
    _check_district(acting_user, group.district_id)
    name = _name(name)
    with transaction.atomic():
        group = _locked(group)
        values: dict[str, Any] = {"code": _code(group.district_id, code, exclude=group.pk), "name": name}
        if order is not None:
            values["order"] = max(0, min(int(order), 32767))
        changed = _apply(group, values)
        if changed:
            group.save()
            _audit(acting_user, "group_updated", group, changed=changed)
    return group


# --- categories ---------------------------------------------------------------------------


def _group_of(district_id: int, group: Category | None) -> Category:
    if group is None or group.parent_id is not None or group.district_id != district_id:
        raise DomainError(CaseError.GROUP_INVALID, _("Choose a group of this district."))
    return group


def create_category(acting_user: User, *, group: Category, code: str, name: str, **settings: Any) -> Category:
    """A new category in `group` (active), with the settings given (`CATEGORY_SETTINGS`); the
    others keep the model's defaults."""
    _check_district(acting_user, group.district_id)
    group = _group_of(group.district_id, group)
    name = _name(name)
    values = _settings(settings)
    with transaction.atomic():
        code = _code(group.district_id, code)
        values.setdefault("order", _next_order(group.district_id, group))
        category = Category.objects.create(district_id=group.district_id, parent=group, code=code, name=name, **values)
        _audit(
            acting_user,
            "category_created",
            category,
            group=group.code,
            time_limit=category.time_limit,
            time_limit_unit=category.time_limit_unit,
        )
    return category


def update_category(
    acting_user: User,
    category: Category,
    *,
    group: Category | None = None,
    code: str | None = None,
    name: str | None = None,
    **settings: Any,
) -> Category:
    """Change a category's group, code, name or settings (only those given). A new time limit
    applies to cases accepted from now on; accepted cases keep the deadline they have."""
    if category.parent_id is None:
        raise DomainError(CaseError.CATEGORY_NOT_FOUND, _("No such group or category."))
    _check_district(acting_user, category.district_id)
    values = _settings(settings)
    if name is not None:
        values["name"] = _name(name)
    with transaction.atomic():
        category = _locked(category)
        if code is not None:
            values["code"] = _code(category.district_id, code, exclude=category.pk)
        if group is not None:
            values["parent_id"] = _group_of(category.district_id, group).pk
        changed = _apply(category, values)
        if changed:
            category.save()
            _audit(acting_user, "category_updated", category, changed=changed)
    return category


def _set_active(acting_user: User, entry: Category, active: bool) -> Category:
    _check_district(acting_user, entry.district_id)
    with transaction.atomic():
        entry = _locked(entry)
        if entry.active == active:
            return entry
        entry.active = active
        entry.save(update_fields=["active", "updated_at"])
        detail: dict[str, Any] = {}
        if entry.parent_id is None and not active:
            # A retired group takes its categories off the forms with it.
            children = list(Category.objects.select_for_update().filter(parent=entry, active=True))
            Category.objects.filter(pk__in=[c.pk for c in children]).update(active=False)
            detail["categories_retired"] = [c.code for c in children]
        _audit(acting_user, "retired" if not active else "reactivated", entry, **detail)
    return entry


def retire_category(acting_user: User, entry: Category) -> Category:
    """Take a category (or a group with its categories) off the filing forms; its cases, their
    figures and the routing rules naming it stay as they are."""
    return _set_active(acting_user, entry, False)


def reactivate_category(acting_user: User, entry: Category) -> Category:
    """Put a retired category (or group) back on the forms (a group's categories stay as they are)."""
    return _set_active(acting_user, entry, True)


def delete_category(acting_user: User, entry: Category) -> None:
    """Delete a group or category that was never used: no case filed under it, no category in
    the group, no routing rule naming it. A used one is refused: retire it instead."""
    _check_district(acting_user, entry.district_id)
    with transaction.atomic():
        entry = _locked(entry)
        if Case.objects.filter(category=entry).exists():
            raise DomainError(
                CaseError.CATEGORY_IN_USE,
                _("Cases were filed under “%(name)s”: it cannot be deleted. Retire it instead.") % {"name": entry.name},
            )
        if Category.objects.filter(parent=entry).exists():
            raise DomainError(
                CaseError.GROUP_NOT_EMPTY,
                _("The group “%(name)s” still has categories: delete or move them first, or retire the group.")
                % {"name": entry.name},
            )
        if RoutingRule.objects.filter(category=entry).exists():
            raise DomainError(
                CaseError.CATEGORY_ROUTED,
                _("Routing rules name “%(name)s”: delete them first, or retire it instead.") % {"name": entry.name},
            )
        _audit(acting_user, "deleted", entry, group=entry.parent.code if entry.parent else None)
        entry.delete()


# --- extra questions ------------------------------------------------------------------------


def _question_code(category: Category, code: str, *, exclude: int | None = None) -> str:
    code = (code or "").strip()
    if not CODE.match(code):
        raise DomainError(
            CaseError.QUESTION_CODE_INVALID,
            _("A question's code is 1 to 40 letters, digits, “-” or “_”, without spaces (for example lamp_count)."),
        )
    taken = CategoryQuestion.objects.filter(category=category, code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise DomainError(
            CaseError.QUESTION_CODE_TAKEN,
            _("Another question of this category has the code %(code)s.") % {"code": code},
        )
    return code


def _label(label: str) -> str:
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise DomainError(CaseError.QUESTION_LABEL_REQUIRED, _("Give the question's text (at most 200 characters)."))
    return label


def _choices(datatype: str, choices: Any, previous: list[dict[str, str]]) -> list[dict[str, str]]:
    """The choices of a choice question as [{"key", "name"}]: given as such, or as names only. A
    name the question had keeps its key (so answers already given keep their meaning); a new
    one gets the next free key c1, c2, …. Other types have none."""
    if datatype not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return []
    known = {c["name"]: c["key"] for c in previous}
    cleaned: list[dict[str, str]] = []
    for item in choices or []:
        entry = item if isinstance(item, dict) else {"name": item}
        name = str(entry.get("name") or "").strip()[:100]
        key = str(entry.get("key") or "").strip() or known.get(name, "")
        if name:
            cleaned.append({"key": key, "name": name})
    used = {c["key"] for c in cleaned if c["key"]} | {c["key"] for c in previous}
    number = 0
    for choice in cleaned:
        while not choice["key"]:
            number += 1
            if f"c{number}" not in used:
                choice["key"] = f"c{number}"
                used.add(choice["key"])
    names = [c["name"] for c in cleaned]
    keys = [c["key"] for c in cleaned]
    if (
        len(cleaned) < 2
        or len(set(names)) != len(names)
        or len(set(keys)) != len(keys)
        or not all(CODE.match(k) for k in keys)
    ):
        raise DomainError(
            CaseError.QUESTION_CHOICES_INVALID,
            _("A choice question needs at least two different choices."),
        )
    return cleaned


def _datatype(datatype: str) -> str:
    if datatype not in QuestionType.values:
        raise DomainError(CaseError.QUESTION_TYPE_INVALID, _("Choose the kind of answer from the list."))
    return datatype


def _audit_question(acting_user: User, change: str, question: CategoryQuestion, **detail: Any) -> None:
    _audit(acting_user, change, question.category, question=question.code, **detail)


def add_question(
    acting_user: User,
    category: Category,
    *,
    code: str,
    label: str,
    datatype: str,
    required: bool = False,
    choices: Any = (),
) -> CategoryQuestion:
    """A new extra question asked when a case of the category is filed, after the others."""
    if category.parent_id is None:
        raise DomainError(CaseError.CATEGORY_NOT_FOUND, _("No such group or category."))
    _check_district(acting_user, category.district_id)
    label = _label(label)
    datatype = _datatype(datatype)
    cleaned = _choices(datatype, choices, [])
    with transaction.atomic():
        category = _locked(category)
        code = _question_code(category, code)
        top = category.questions.aggregate(top=Max("order"))["top"]
        question = CategoryQuestion.objects.create(
            category=category,
            code=code,
            label=label,
            datatype=datatype,
            required=bool(required),
            choices=cleaned,
            order=0 if top is None else top + 1,
        )
        _audit_question(acting_user, "question_added", question, datatype=datatype, required=question.required)
    return question


def update_question(
    acting_user: User,
    question: CategoryQuestion,
    *,
    code: str,
    label: str,
    datatype: str,
    required: bool = False,
    choices: Any = (),
) -> CategoryQuestion:
    """Change a question. Answers already given stay in their cases as they were."""
    category = question.category
    _check_district(acting_user, category.district_id)
    label = _label(label)
    datatype = _datatype(datatype)
    with transaction.atomic():
        _locked(category)
        question = CategoryQuestion.objects.select_for_update().get(pk=question.pk)
        values = {
            "code": _question_code(category, code, exclude=question.pk),
            "label": label,
            "datatype": datatype,
            "required": bool(required),
            "choices": _choices(datatype, choices, question.choices),
        }
        changed: dict[str, list[Any]] = {}
        for field, value in values.items():
            if getattr(question, field) != value:
                changed[field] = [getattr(question, field), value]
                setattr(question, field, value)
        if changed:
            question.save()
            _audit_question(acting_user, "question_updated", question, changed=changed)
    return question


def remove_question(acting_user: User, question: CategoryQuestion) -> None:
    """Stop asking the question; answers already given stay in their cases."""
    category = question.category
    _check_district(acting_user, category.district_id)
    with transaction.atomic():
        _locked(category)
        _audit_question(acting_user, "question_removed", question, label=question.label)
        question.delete()


def reorder_questions(acting_user: User, category: Category, question_ids: list[int]) -> None:
    """Ask the category's questions in the order of `question_ids` (each of them, once)."""
    _check_district(acting_user, category.district_id)
    with transaction.atomic():
        category = _locked(category)
        questions = {q.pk: q for q in category.questions.all()}
        if sorted(question_ids) != sorted(questions) or len(set(question_ids)) != len(question_ids):
            raise DomainError(CaseError.QUESTION_ORDER_INVALID, _("List each question of the category once."))
        for position, pk in enumerate(question_ids):
            questions[pk].order = position
        CategoryQuestion.objects.bulk_update(questions.values(), ["order"])
        _audit(acting_user, "questions_reordered", category, order=[questions[pk].code for pk in question_ids])
