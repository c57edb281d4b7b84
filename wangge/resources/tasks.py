"""Background tasks of shared resources (run by `wangge worker`): the reminder the day before a
booking, enqueued when the booking is made to run at that moment."""

from django.tasks import task

from wangge.resources.reminders import remind


@task()
def remind_booking(booking_id: int) -> bool:
    return remind(booking_id)
