"""Schemathesis against /api/v1/openapi.json: every operation, called through the WSGI app with
data generated from the document (valid and invalid), as a district administrator with a bearer
token on a small district with the case catalogue. Checks: no 5xx, the status code is one the
operation documents, and the body matches the schema documented for it.

Ten examples per operation keep the run short (about a minute); `derandomize` makes it the same
run every time, so a failure here is reproducible rather than a flake. For a deeper search, run
it with `WANGGE_FUZZ_EXAMPLES=200 WANGGE_FUZZ_SEED=random`.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from wangge.accounts.actions import create_api_token
from wangge.api.testing import bearer_client
from wangge.cases.tests.test_api_chain import filed

pytestmark = pytest.mark.openapi

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _schema():
    from wangge.api.api import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = get_wsgi_application()  # requests go through the whole Django stack, in-process
    loaded.config.generation.update(with_security_parameters=False)  # the token is sent below
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
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
