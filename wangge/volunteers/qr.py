"""The QR code an organiser shows at an activity: a signed, expiring token naming the activity,
drawn with segno. A volunteer who scans it (logged in and signed up) is checked in, or out when
already in (`actions.scan`).

The token is `django.core.signing` over the activity's id with a salt of its own, so it cannot be
made without the secret key; it is refused `QR_MAX_AGE` after it was made (the organiser's page
draws a fresh one every few minutes), and refused for any other activity.
"""

import datetime as dt

import segno
from django.core import signing

SALT = "wangge.volunteers.qr"
QR_MAX_AGE = dt.timedelta(minutes=10)
# The organiser's page draws a new code this often (a meta refresh), well inside the age above.
QR_REFRESH_SECONDS = 240


def make_token(activity_id: int) -> str:
    return signing.dumps({"a": activity_id}, salt=SALT, compress=False)


def read_token(token: str) -> int | None:
    """The activity the token names, or None when it is expired, forged or malformed."""
    try:
        data = signing.loads(token, salt=SALT, max_age=QR_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    activity = data.get("a") if isinstance(data, dict) else None
    return activity if isinstance(activity, int) else None


def svg(url: str, title: str) -> str:
    """The QR code of `url` as inline SVG markup."""
    return segno.make(url, error="m").svg_inline(scale=5, title=title)
