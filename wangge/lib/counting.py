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
    # Only the ids, without the ORDER BY: neither the columns nor the order change the count,
    # and computing or sorting them for every match does cost.
    return int(queryset.order_by().values("pk")[: cap + 1].count())
