"""Deciding the review queue: merge an item's row into the registered person with a choice per
field, undo the latest merge, keep the row as a separate person, or dismiss it; and what a
reviewer is shown of an item. (Items are queued by the commit, `actions.writing`.)

A merge writes the person's fields here, encrypting and indexing with `wangge.lib.crypto`
exactly as the people app does, and records the values before and after (encrypted) in a
`Merge` row so that `undo_merge` restores them exactly.
"""

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode
from wangge.ledgers.actions.writing import create_rows, encrypt_document
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.layouts import field_label
from wangge.ledgers.matching import PLAIN_COMPARED, review_place
from wangge.ledgers.models import ImportedRecord, Merge, ReviewItem, ReviewKind, ReviewState
from wangge.ledgers.queries import incoming_facts
from wangge.lib.crypto import blind_index, blind_indexes, decrypt_field, encrypt_field
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import mask_id_number, mask_phone
from wangge.lib.rowids import assign_id
from wangge.people.actions import SEALED_COLUMNS, decrypt_sensitive, encrypt_sensitive, register_members
from wangge.people.models import SENSITIVE_FACTS, HouseholdMember, MemberProfile, Person, Relation

# The member profile's facts a row may carry.
MEMBER_FACTS = ("member_kind", "home_community", "reported_on", "org_unit")
# What a merge may change on the person, besides the encrypted values (kept in clear inside the
# encrypted snapshot, and written back encrypted and indexed under the keys current then).
PERSON_COLUMNS = (*PLAIN_COMPARED, "community_id", "grid_id")
PERSON_WRITTEN = (*PERSON_COLUMNS, *SEALED_COLUMNS, "sensitive_encrypted")


class Choice:
    INCOMING = "incoming"
    REGISTRY = "registry"


class Decision:
    MERGE = "merge"
    KEEP_SEPARATE = "keep_separate"
    DISMISS = "dismiss"


def _snapshot(person: Person) -> dict[str, Any]:
    """Everything a merge may change about a person, by value: the plain columns, the ID number,
    phone and sensitive facts in clear (the snapshot itself is stored encrypted), the household
    memberships and the member profile. Comparing values, not ciphertexts, keeps a snapshot
    valid across a rotation of the data or index key."""
    found = (
        MemberProfile.objects.filter(person=person)
        .values("kind", "home_community_id", "reported_on", "org_unit_id")
        .first()
    )
    member: dict[str, Any] | None = dict(found) if found is not None else None
    if member is not None and member["reported_on"] is not None:
        member["reported_on"] = member["reported_on"].isoformat()
    values: dict[str, Any] = {column: getattr(person, column) for column in PERSON_COLUMNS}
    if values["birth_date"] is not None:
        values["birth_date"] = values["birth_date"].isoformat()
    values["id_number"] = decrypt_field(person, "id_number_encrypted")
    values["phone"] = decrypt_field(person, "phone_encrypted")
    values["sensitive"] = decrypt_sensitive(person)
    return {
        "person": values,
        "households": sorted(
            [h, r] for h, r in HouseholdMember.objects.filter(person=person).values_list("household_id", "relation")
        ),
        "member": member,
    }


def _set_encrypted(person: Person, *, id_number: str | None = None, phone: str | None = None) -> None:
    """Encrypt, index and mask exactly as `people.actions` does (empty clears the value)."""
    if id_number is not None:
        person.id_number_encrypted = encrypt_field(person, "id_number_encrypted", id_number)
        person.id_number_index = blind_index(id_number) if id_number else ""
        person.id_number_masked = mask_id_number(id_number) if id_number else ""
    if phone is not None:
        person.phone_encrypted = encrypt_field(person, "phone_encrypted", phone)
        person.phone_index = blind_index(phone) if phone else ""
        person.phone_masked = mask_phone(phone) if phone else ""


def _restore(acting_user: User, person: Person, snapshot: dict[str, Any]) -> None:
    values = snapshot["person"]
    for column in PERSON_COLUMNS:
        setattr(person, column, values[column])
    if values["birth_date"] is not None:
        person.birth_date = dt.date.fromisoformat(values["birth_date"])
    _set_encrypted(person, id_number=values["id_number"], phone=values["phone"])
    person.sensitive_encrypted = encrypt_sensitive(values["sensitive"], person.pk)
    person.save(update_fields=[*PERSON_WRITTEN, "updated_at"])
    HouseholdMember.objects.filter(person=person).delete()
    HouseholdMember.objects.bulk_create(
        [HouseholdMember(person=person, household_id=h, relation=r) for h, r in snapshot["households"]]
    )
    member = snapshot["member"]
    if member is None:
        MemberProfile.objects.filter(person=person).delete()
        return
    reported = dt.date.fromisoformat(member["reported_on"]) if member["reported_on"] else None
    values = {
        "kind": member["kind"],
        "home_community_id": member["home_community_id"],
        "reported_on": reported,
        "org_unit_id": member["org_unit_id"],
    }
    if not MemberProfile.objects.filter(person=person).update(**values, updated_at=timezone.now()):
        MemberProfile.objects.create(district_id=person.district_id, person=person, **values)


def _node_of(person: Person) -> AreaNode:
    """The narrowest area node recorded on the person (grid, community or district)."""
    pk = person.grid_id or person.community_id or person.district_id
    return AreaNode.objects.get(pk=pk)


def _item_node(item: ReviewItem) -> AreaNode:
    """The area whose review queue holds the item (`matching.review_place`)."""
    return AreaNode.objects.get(pk=item.grid_id or item.community_id or item.district_id)


def _check_reviewer(acting_user: User, item: ReviewItem, *extra: AreaNode) -> None:
    """The user holds a personal-data role over the item's queue and its candidate (and over any
    area the merge would move them to); otherwise the item does not exist for them."""
    nodes = [_item_node(item), _node_of(item.candidate), *extra]
    if not all(has_role_over(acting_user, node, *PERSONAL_DATA_ROLES) for node in nodes):
        raise DomainError(LedgerError.REVIEW_ITEM_NOT_FOUND, _("There is no such review item."), status=404)


def _load_item(item: ReviewItem) -> ReviewItem:
    return ReviewItem.objects.select_for_update(of=("self",)).select_related("candidate", "run").get(pk=item.pk)


def decide_review(
    acting_user: User,
    item: ReviewItem,
    choices: dict[str, str] | None = None,
    *,
    decision: str = Decision.MERGE,
) -> ReviewItem:
    """Decide an open review item.

    * `merge` (the default): for each differing field, `choices[field]` is "incoming" (the
      file's value wins) or "registry" (the person's stays; also what an unnamed field does).
      At least one field must take the incoming value. The person's values before and after
      are kept in a `Merge` row (see `undo_merge`).
    * `keep_separate`: the incoming row is another person; it is created as new. Only for a
      possible match (a conflict shares the ID number, so it is the same person).
    * `dismiss`: the registry stays as it is.
    """
    with transaction.atomic():
        item = _load_item(item)
        _check_reviewer(acting_user, item)
        if item.state != ReviewState.OPEN:
            raise DomainError(
                LedgerError.REVIEW_ITEM_DECIDED, _("This review item has already been decided."), status=409
            )
        if decision == Decision.MERGE:
            _merge(acting_user, item, choices or {})
            item.state = ReviewState.MERGED
        elif decision == Decision.KEEP_SEPARATE:
            item.created_person = _keep_separate(acting_user, item)
            item.state = ReviewState.KEPT_SEPARATE
        elif decision == Decision.DISMISS:
            item.state = ReviewState.DISMISSED
        else:
            raise DomainError(LedgerError.UNKNOWN_DECISION, _("Unknown decision; use merge, keep_separate or dismiss."))
        item.decided_by, item.decided_at = acting_user, timezone.now()
        item.save(update_fields=["state", "decided_by", "decided_at", "created_person", "updated_at"])
    return item


def _merge(acting_user: User, item: ReviewItem, choices: dict[str, str]) -> Merge:
    unknown = sorted(set(choices) - set(item.differing_fields))
    if unknown:
        raise DomainError(
            LedgerError.MERGE_UNKNOWN_FIELD,
            _("%(field)s is not one of the fields that differ.") % {"field": field_label(unknown[0])},
        )
    if any(choice not in (Choice.INCOMING, Choice.REGISTRY) for choice in choices.values()):
        raise DomainError(LedgerError.MERGE_CHOICE, _("Choose “incoming” or “registry” for each field."))
    chosen = [f for f in item.differing_fields if choices.get(f) == Choice.INCOMING]
    if not chosen:
        raise DomainError(
            LedgerError.MERGE_NOTHING_CHOSEN,
            _("No field takes the incoming value: dismiss the item instead of merging."),
        )
    incoming = incoming_facts(item)
    person = Person.objects.select_for_update().get(pk=item.candidate_id)
    item.candidate = person
    target = None
    if "household" in chosen and incoming.household_id is not None:
        target = AreaNode.objects.get(pk=incoming.household_id)
    if target is not None:
        _check_reviewer(acting_user, item, target)
    before = _snapshot(person)
    member_changes: dict[str, Any] = {}
    sensitive: dict[str, Any] | None = None
    for name in chosen:
        if name in PLAIN_COMPARED:
            setattr(person, name, getattr(incoming, name))
        elif name == "id_number":
            taken = Person.objects.filter(
                district_id=person.district_id, id_number_index__in=blind_indexes(incoming.id_number)
            ).exclude(pk=person.pk)
            if taken.exists():
                raise DomainError(
                    LedgerError.ID_NUMBER_EXISTS, _("A person with this ID number is already registered.")
                )
            _set_encrypted(person, id_number=incoming.id_number)
        elif name == "phone":
            _set_encrypted(person, phone=incoming.phone)
        elif name == "household" and target is not None:
            relation = incoming.relation or Relation.OTHER
            HouseholdMember.objects.filter(person=person).delete()
            HouseholdMember.objects.create(person=person, household=target, relation=relation)
            person.community_id, person.grid_id = target.community_id, target.grid_id
        elif name == "relation":
            HouseholdMember.objects.filter(person=person, household_id=incoming.household_id).update(
                relation=incoming.relation, updated_at=timezone.now()
            )
        elif name in SENSITIVE_FACTS:
            sensitive = decrypt_sensitive(person) if sensitive is None else sensitive
            sensitive[name] = incoming.sensitive[name]
        elif name in MEMBER_FACTS:
            member_changes[name] = getattr(
                incoming, {"home_community": "home_community_id", "org_unit": "org_unit_id"}.get(name, name)
            )
    if sensitive is not None:
        person.sensitive_encrypted = encrypt_sensitive(sensitive, person.pk)
    person.save(update_fields=[*PERSON_WRITTEN, "updated_at"])
    if member_changes:
        _merge_membership(acting_user, person, member_changes)
    after = _snapshot(person)
    merge = Merge(district_id=item.district_id, item=item, person=person, merged_by=acting_user, changed_fields=chosen)
    assign_id(merge)
    merge.before_encrypted = encrypt_document(merge, "before_encrypted", before)
    merge.after_encrypted = encrypt_document(merge, "after_encrypted", after)
    merge.save(force_insert=True)
    _follow(person, but=item)
    return merge


def _follow(person: Person, but: ReviewItem | None = None) -> None:
    """The person's other open items follow them to where they now live: each to the lowest
    area covering the person and the item's row (`matching.review_place`)."""
    items = ReviewItem.objects.filter(candidate=person, state=ReviewState.OPEN)
    if but is not None:
        items = items.exclude(pk=but.pk)
    for other in items:
        facts = incoming_facts(other)
        row_area = facts.household_id or facts.home_community_id
        places = [(person.community_id, person.grid_id)]
        if row_area is not None:
            node = AreaNode.objects.only("community_id", "grid_id").get(pk=row_area)
            places.append((node.community_id, node.grid_id))
        other.community_id, other.grid_id = review_place(places)
        other.save(update_fields=["community", "grid", "updated_at"])


def _merge_membership(acting_user: User, person: Person, changes: dict[str, Any]) -> None:
    fields = {"member_kind": "kind", "home_community": "home_community_id", "reported_on": "reported_on"}
    fields["org_unit"] = "org_unit_id"
    values = {fields[name]: value for name, value in changes.items()}
    if MemberProfile.objects.filter(person=person).exists():
        MemberProfile.objects.filter(person=person).update(**values, updated_at=timezone.now())
        return
    if "kind" not in values or "home_community_id" not in values:
        raise DomainError(
            LedgerError.MERGE_MEMBER_INCOMPLETE,
            _("To record the person as a member, take both the member category and the home community."),
        )
    community = AreaNode.objects.get(pk=values.pop("home_community_id"))
    (profile,) = register_members(acting_user, [(person, values.pop("kind"), community)])
    if values:
        MemberProfile.objects.filter(pk=profile.pk).update(**values)


def _keep_separate(acting_user: User, item: ReviewItem) -> Person:
    if item.kind != ReviewKind.POSSIBLE_MATCH:
        raise DomainError(
            LedgerError.KEEP_SEPARATE_SAME_ID,
            _("A conflict shares the ID number with the registered person: merge or dismiss it."),
            status=409,
        )
    facts = incoming_facts(item)
    if facts.household_id is not None:
        _check_reviewer(acting_user, item, AreaNode.objects.get(pk=facts.household_id))
    (pk,) = create_rows(acting_user, AreaNode.objects.get(pk=item.district_id), [facts])
    person = Person.objects.get(pk=pk)
    if not facts.id_number:
        ImportedRecord.objects.create(
            district_id=item.district_id, fingerprint=item.fingerprint, person=person, run=item.run
        )
    return person


def undo_merge(acting_user: User, merge: Merge) -> Merge:
    """Restore the values the merge replaced, exactly, and reopen its review item. Only the
    person's latest merge can be undone, and only while the person is as the merge left them."""
    with transaction.atomic():
        merge = Merge.objects.select_related("item", "item__candidate", "person").get(pk=merge.pk)
        _check_reviewer(acting_user, merge.item)
        if merge.undone_at is not None:
            raise DomainError(LedgerError.MERGE_ALREADY_UNDONE, _("This merge has already been undone."), status=409)
        latest = (
            Merge.objects.filter(person=merge.person, undone_at__isnull=True).order_by("-created_at", "-id").first()
        )
        if latest is None or latest.pk != merge.pk:
            raise DomainError(
                LedgerError.MERGE_NOT_LATEST, _("Undo the later merges of this person first."), status=409
            )
        person = merge.person
        after = json.loads(decrypt_field(merge, "after_encrypted"))
        if _snapshot(person) != after:
            raise DomainError(
                LedgerError.MERGE_CHANGED_SINCE,
                _("The person has changed since this merge, so it cannot be undone automatically."),
                status=409,
            )
        _restore(acting_user, person, json.loads(decrypt_field(merge, "before_encrypted")))
        merge.undone_at, merge.undone_by = timezone.now(), acting_user
        merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
        ReviewItem.objects.filter(pk=merge.item_id).update(
            state=ReviewState.OPEN, decided_by=None, decided_at=None, updated_at=timezone.now()
        )
        _follow(person)
    return merge


def review_detail(acting_user: User, item: ReviewItem, *, ip_address: str | None = None) -> list[dict[str, Any]]:
    """Per differing field: the registry's value and the incoming one, for the reviewer to
    choose (ID and phone numbers masked). Reading them is recorded in the audit log."""
    item = ReviewItem.objects.select_related("candidate").get(pk=item.pk)
    _check_reviewer(acting_user, item)
    person = item.candidate
    incoming = incoming_facts(item)
    current_sensitive = decrypt_sensitive(person) if any(f in SENSITIVE_FACTS for f in item.differing_fields) else {}
    households = dict(HouseholdMember.objects.filter(person=person).values_list("household_id", "relation"))
    member = MemberProfile.objects.filter(person=person).first()
    area_ids = {pk for pk in (incoming.household_id, incoming.home_community_id, *households) if pk is not None}
    if member is not None:
        area_ids.add(member.home_community_id)
    area_names = dict(AreaNode.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    rows = []
    registry: Any
    value: Any
    for name in item.differing_fields:
        if name == "id_number":
            registry, value = person.id_number_masked, mask_id_number(incoming.id_number)
        elif name == "phone":
            registry, value = person.phone_masked, mask_phone(incoming.phone)
        elif name == "household":
            registry = "、".join(area_names.get(h, "") for h in households)
            value = area_names.get(incoming.household_id or 0, "")
        elif name == "relation":
            registry = households.get(incoming.household_id or 0, "")
            value = incoming.relation
        elif name in SENSITIVE_FACTS:
            registry, value = current_sensitive.get(name), incoming.sensitive.get(name)
        elif name == "member_kind":
            registry, value = (member.kind if member else ""), incoming.member_kind
        elif name == "home_community":
            registry = area_names.get(member.home_community_id, "") if member else ""
            value = area_names.get(incoming.home_community_id or 0, "")
        elif name == "reported_on":
            registry, value = (member.reported_on if member else None), incoming.reported_on
        elif name == "org_unit":
            registry, value = (member.org_unit_id if member else None), incoming.org_unit_id
        else:
            registry, value = getattr(person, name), getattr(incoming, name)
        rows.append(
            {
                "field": name,
                "label": field_label(name),
                "registry": registry,
                "incoming": value,
                "registry_empty": name in item.blank_fields,
            }
        )
    record(
        acting_user,
        AuditAction.PERSONAL_DATA_VIEWED,
        obj=person,
        district_id=item.district_id,
        ip_address=ip_address,
        detail={"review_item": item.pk, "fields": list(item.differing_fields)},
    )
    return rows
