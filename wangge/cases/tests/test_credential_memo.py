"""A user remembered with their bearer token carries their handling units: the cases app tells
the memo to forget when a unit or its staff changes (`CasesConfig.ready`)."""

from wangge.api import auth
from wangge.api.testing import bearer_client
from wangge.cases.models import HandlingUnit


def test_a_change_to_a_units_staff_forgets_the_remembered_tokens(small, catalogue, dept_a, worker_a):
    unit = HandlingUnit.objects.get(district=small.district, name="城市管理局")
    assert bearer_client(dept_a).get("/api/v1/cases").status_code == 200
    assert auth._tokens._entries  # remembered
    unit.users.add(worker_a)
    assert not auth._tokens._entries

    assert bearer_client(dept_a).get("/api/v1/cases").status_code == 200
    unit.name = "城市管理局（新）"
    unit.save()
    assert not auth._tokens._entries
