"""Schemathesis against /api/v1/openapi.json: every operation, called through the WSGI app with
data generated from the document (valid and invalid), as a district administrator with a bearer
token on a small district with the case catalogue, on SQLite and, with DATABASE_URL, on
PostgreSQL. Checks: no 5xx; the status code is one the operation documents; the body matches the
schema documented for it; and a request the document allows is never refused as invalid input
(422 or 413): every limit an endpoint enforces is declared, so clients can check before sending.
A 400 is a rule the document cannot express (an unknown category, a control character) and is
allowed.

Each operation gets the deterministic coverage examples (the edges of every declared limit)
and ten generated ones, which keeps the run short (about half a minute); `derandomize` makes it
the same run every time, so a failure here is reproducible rather than a flake. For a deeper
search, run it with `WANGGE_FUZZ_EXAMPLES=200 WANGGE_FUZZ_SEED=random`.
"""

import os
import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import PositiveDataAcceptanceConfig

from wangge.accounts.actions import create_api_token
from wangge.api.testing import bearer_client
from wangge.cases.tests.factories import filed

pytestmark = pytest.mark.openapi

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.positive_data_acceptance,
]
# What a request the document allows may be answered: anything but 422 and 413 (and 5xx, which
# `not_a_server_error` reports).
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "429"]


def _schema():
    from wangge.api.api import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = get_wsgi_application()  # requests go through the whole Django stack, in-process
    loaded.config.generation.update(with_security_parameters=False)  # the token is sent below
    loaded.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(expected_statuses=ACCEPTED)
    return loaded


schema = _schema()


@pytest.fixture
def token(small, catalogue, district_admin, worker_a, settings, tmp_path):
    """A district administrator's bearer token; the district has its catalogue and one case."""
    settings.MEDIA_ROOT = tmp_path
    filed(bearer_client(worker_a))
    # Like Django's test client: the start and end of a WSGI request must not close the
    # connection that holds the test's transaction (on PostgreSQL they would).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield create_api_token(None, user=district_admin, name="schemathesis")
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("WANGGE_FUZZ_EXAMPLES", "10")),
    derandomize=os.environ.get("WANGGE_FUZZ_SEED") != "random",
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_documented_promises(case, token):
    headers = {"Authorization": f"Bearer {token}"}
    if case.method.upper() == "POST":
        # A fresh key each call: examples share the test's database, and a key generated twice
        # would replay (or refuse, 422 `idempotency_key_reused`) rather than run the request.
        headers["Idempotency-Key"] = str(uuid.uuid4())
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_every_operation_of_the_document_is_fuzzed():
    """The parametrized test above covers the whole document (none left out by a filter)."""
    from wangge.api.api import api

    document = {(method.upper(), path) for path, ops in api.get_openapi_schema()["paths"].items() for method in ops}
    fuzzed = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert fuzzed == document and len(document) >= 39
