"""Anonymous intake through Open311 is rate-limited per API key and client address: the request
over the limit gets the specification's error body with status 429 and `Retry-After`, and
nothing is filed."""

import pytest

from wangge.cases.models import Case
from wangge.open311.errors import ERROR_CODE_HEADER
from wangge.open311.tests.conftest import answer, post_request


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_request_over_the_limit_is_refused_with_retry_after(small, catalogue, key, settings, fmt):
    settings.RATE_LIMITS = {"resident": None, "anonymous": (2, 60)}
    for _ in range(2):
        answer(post_request(key, fmt), fmt)
    refused = post_request(key, fmt)
    assert refused.status_code == 429 and refused[ERROR_CODE_HEADER] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = answer(refused, fmt, status=429)
    assert body is not None
    assert Case.objects.count() == 2
