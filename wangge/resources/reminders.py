"""The reminder the day before a booking: the booker is told once, unless the booking was
cancelled or refused meanwhile. `actions.book` schedules it (`tasks.remind_booking`)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.actions.notifications import notify
from wangge.resources.models import Booking, BookingStatus


def booking_words(booking: Booking) -> dict[str, str]:
    """The facility's name and the start, as notices name a booking."""
    return {"facility": booking.facility.name, "when": f"{timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M}"}


def remind(booking_id: int) -> bool:
    """Tell the booker of a held booking about it, once (the worker runs this the day before).
    True when told; a booking cancelled, refused or already reminded is left alone."""
    with transaction.atomic():
        claimed = Booking.objects.filter(
            pk=booking_id, reminded_at__isnull=True, status__in=(BookingStatus.REQUESTED, BookingStatus.APPROVED)
        ).update(reminded_at=timezone.now())
        if not claimed:
            return False
        booking = Booking.objects.select_related("facility", "booked_by").get(pk=booking_id)
        notify([booking.booked_by], None, _("Reminder: you booked %(facility)s on %(when)s.") % booking_words(booking))
    return True
