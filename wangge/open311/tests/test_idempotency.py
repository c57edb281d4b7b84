"""Open311 filing honours `Idempotency-Key` (docs/api.md, "Idempotent POSTs"), through the same
`wangge.api.idempotency.run_idempotent` as the REST API: a retry with the same key, body and
api_key gets the first answer and files nothing again. It once filed a second request."""

import pytest

from wangge.api.models import IdempotencyKey
from wangge.cases.models import Case
from wangge.cases.tests.factories import IN_GRID_0
from wangge.open311.actions import create_api_key
from wangge.open311.errors import ERROR_CODE_HEADER
from wangge.open311.models import Open311Request
from wangge.open311.tests.conftest import answer, error, post_form

KEY = "6f1c2a30-5b0e-4c1e-9a55-8c3f0e7d2b11"


def filing(api_key: str, **fields: str) -> dict:
    return {"api_key": api_key, "service_code": "HJ01", "lat": IN_GRID_0[1], "long": IN_GRID_0[0], **fields}


def post(data: dict, fmt: str = "json", key: str = KEY):
    return post_form(f"requests.{fmt}", data, headers={"Idempotency-Key": key})


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_same_key_body_and_api_key_twice_files_one_request(small, catalogue, key, fmt):
    first = post(filing(key, description="井盖丢失"), fmt)
    retry = post(filing(key, description="井盖丢失"), fmt)
    assert answer(first, fmt) is not None
    assert retry.status_code == 200 and retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1 and Open311Request.objects.count() == 1


def test_without_a_key_two_posts_file_two_requests(small, catalogue, key):
    for _ in range(2):
        answer(post_form("requests.json", filing(key, description="井盖丢失")), "json")
    assert Case.objects.count() == 2


def test_a_new_key_files_a_new_request(small, catalogue, key):
    answer(post(filing(key, description="井盖丢失")), "json")
    answer(post(filing(key, description="井盖丢失"), key="another-key"), "json")
    assert Case.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(small, catalogue, key):
    answer(post(filing(key, description="井盖丢失")), "json")
    error(post(filing(key, description="路灯不亮")), "json", 400, "idempotency_key_reused")
    assert Case.objects.count() == 1


def test_a_malformed_key_is_refused(small, catalogue, key):
    error(post(filing(key, description="井盖丢失"), key="键"), "json", 400, "idempotency_key_invalid")
    assert not Case.objects.exists()


def test_a_refusal_is_replayed_too(small, catalogue, key):
    """A refused filing (here outside every grid) keeps its answer under the key, as in the REST API."""
    outside = {**filing(key, description="井盖丢失"), "long": IN_GRID_0[0] - 1}
    first, retry = post(outside), post(outside)
    error(first, "json", 400, "outside_every_grid")
    assert retry.content == first.content and retry["Idempotent-Replayed"] == "true"
    assert retry[ERROR_CODE_HEADER] == "outside_every_grid"


def test_keys_belong_to_their_api_key(small, catalogue, key):
    """Two apps may use the same key: each files its own request."""
    other = create_api_key(None, name="other app", district=small.district)[1]
    answer(post(filing(key, description="井盖丢失")), "json")
    answer(post(filing(other, description="井盖丢失")), "json")
    assert Case.objects.count() == 2
    assert IdempotencyKey.objects.filter(key=KEY).count() == 2


def test_a_request_over_the_rate_limit_is_not_kept(small, catalogue, key, settings):
    """429 is never stored: once the window has passed, the same key files."""
    settings.RATE_LIMITS = {"resident": None, "anonymous": (1, 60)}
    answer(post_form("requests.json", filing(key, description="先到的")), "json")
    refused = post(filing(key, description="井盖丢失"))
    assert refused.status_code == 429
    assert not IdempotencyKey.objects.filter(key=KEY).exclude(status=None).exists()
