"""The hook the assistance database (a later app) connects to.

`visit_flagged` is sent once the transaction that stored a visit with flags has committed (never
for a visit that was rolled back, never twice for a replayed one), with `sender=Visit` and the
keyword arguments `visit` (the stored `Visit`) and `flags` (its `VisitFlag` values, e.g.
`["hardship"]`). A receiver must not fail the request: it runs after the commit.
"""

from django.dispatch import Signal

visit_flagged = Signal()
