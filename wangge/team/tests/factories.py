"""Workers of the roster for tests: a registry person whose account is the persona, with a
worker profile in the persona's grid (through the real actions)."""

from wangge.people.actions.registry import PersonInput, add_workers, create_person
from wangge.people.models import Person, WorkerKind, WorkerProfile


def worker_of(user, area, kind: str = WorkerKind.GRID_WORKER, name: str | None = None) -> WorkerProfile:
    """The persona `user` as a worker of `area` (a grid or a community) on the roster."""
    person = create_person(
        None, district=area.district, data=PersonInput(name=name or user.username, phone="13800138000")
    )
    Person.objects.filter(pk=person.pk).update(user=user)
    return add_workers(None, [(Person.objects.get(pk=person.pk), kind, area)])[0]


def account_less_worker(area, name: str) -> WorkerProfile:
    person = create_person(None, district=area.district, data=PersonInput(name=name))
    return add_workers(None, [(person, WorkerKind.GRID_WORKER, area)])[0]
