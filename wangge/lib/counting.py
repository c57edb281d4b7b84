"""Counting the rows of a list that may hold a district's million cases.

An exact COUNT(*) over every match costs more than the page itself, and nobody pages that far
(they filter), so long lists count at most `cap` + 1 rows and say "more than cap".
"""

from typing import Any

from django.db.models import QuerySet

# Lists of cases count this far.
COUNT_CAP = 1000


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """The number of rows, counted up to `cap` + 1 (a result above `cap` means "more than `cap`")."""
    # Without the ORDER BY: the order does not change the count, and sorting every match first does cost.
    return int(queryset.order_by()[: cap + 1].count())
