"""What imports keep about residents, for their rights: deleted for anonymisation
(`forget_persons`); reported for the access report by `queries.held_about`.
"""

from django.db import transaction
from django.db.models import Q

from wangge.ledgers.models import ImportedRecord, Merge, ReviewItem


def forget_persons(person_ids: list[int]) -> int:
    """Delete what imports keep about these persons: review items about them or created from
    them (their incoming facts), merges (values before and after) and the fingerprints of the
    rows they were created from. For anonymisation (the holder `ledgers.holder` registers; it
    runs in anonymisation's transaction); returns how many rows went. The import runs keep their counts."""
    with transaction.atomic():
        items = ReviewItem.objects.filter(Q(candidate_id__in=person_ids) | Q(created_person_id__in=person_ids))
        merges, _by_model = Merge.objects.filter(Q(person_id__in=person_ids) | Q(item__in=items)).delete()
        deleted_items, _by_model = items.delete()
        records, _by_model = ImportedRecord.objects.filter(person_id__in=person_ids).delete()
    return merges + deleted_items + records
