"""On SQLite, several processes ask for one slot at the same moment: exactly one booking holds it.

SQLite has no exclusion constraint; the guarantee is `actions.book`'s check under the write lock
every transaction takes at BEGIN (IMMEDIATE, settings). The test database is a copy of the test's
in-memory one on disk, and each attempt is a separate process with its own connection, started
together.
"""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.resources.tests.factories import facility

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite write lock is tested on SQLite"),
]

PROCESSES = 6
ROOT = Path(__file__).resolve().parents[3]
# Books 10:00–12:00 on a Monday far ahead (in the real clock, which the processes run on) when
# the given moment comes, and prints the outcome.
ATTEMPT = """
import datetime as dt, sys, time
import django
django.setup()
from django.utils import timezone
from wangge.accounts.models import User
from wangge.lib.errors import DomainError
from wangge.resources import actions
from wangge.resources.models import Facility
user = User.objects.get(pk=int(sys.argv[1]))
place = Facility.objects.get(pk=int(sys.argv[2]))
start_at = float(sys.argv[3])
day = dt.date(2030, 1, 7)
slot = [timezone.make_aware(dt.datetime.combine(day, dt.time(h))) for h in (10, 12)]
time.sleep(max(0.0, start_at - time.time()))
try:
    actions.book(user, place, *slot)
    print("booked")
except DomainError as error:
    print(error.code)
"""


def test_parallel_processes_asking_for_one_slot_make_exactly_one_booking(small, community_staff, tmp_path):
    ground = facility(community_staff, small.grids[0])
    residents = [make_persona(f"r{i}", Role.RESIDENT, small.households[i]) for i in range(PROCESSES)]
    path = tmp_path / "wangge.sqlite3"
    target = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DJANGO_SETTINGS_MODULE": "wangge.settings"}
    env["PYTHONPATH"] = str(ROOT)
    start_at = time.time() + 8  # every process has set Django up by then
    attempts = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", ATTEMPT, str(user.pk), str(ground.pk), str(start_at)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user in residents
    ]
    outcomes = []
    for attempt in attempts:
        out, err = attempt.communicate(timeout=120)
        outcomes.append(out.strip() or err[-500:])
    assert sorted(outcomes) == ["booked"] + ["booking_conflict"] * (PROCESSES - 1)
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT count(*) FROM resources_booking").fetchone() == (1,)
    copy.close()
