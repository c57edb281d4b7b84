"""The client's address behind trusted proxies (`accounts.audit.client_ip`): the login lockout,
the audit rows and the rate limits all see the client, not the proxy; without the setting the
X-Forwarded-For header, which anyone can send, is ignored."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from wangge.accounts.audit import client_ip
from wangge.accounts.models import AuditAction, AuditEvent
from wangge.api import ratelimit
from wangge.conftest import PASSWORD

PROXY = "127.0.0.1"  # the reverse proxy on the same machine, as docs/deploy.md sets it up
FIRST, SECOND = "203.0.113.5", "203.0.113.6"


def log_in(client, password: str, forwarded: str | None, username: str = "worker_a"):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=PROXY, **headers)


def fail_five_times(client, forwarded: str | None) -> None:
    for _attempt in range(5):
        response = log_in(client, "wrong-password", forwarded)
    assert response.status_code == 429


def test_behind_a_proxy_two_clients_are_locked_out_separately(client, worker_a, settings):
    settings.TRUSTED_PROXIES = 1
    fail_five_times(client, FIRST)
    assert log_in(client, PASSWORD, FIRST).status_code == 429
    # The same account from another client behind the same proxy still logs in.
    assert log_in(client, PASSWORD, SECOND).status_code == 302
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="worker_a")
    assert set(failed.values_list("ip_address", flat=True)) == {FIRST}
    login = AuditEvent.objects.get(action=AuditAction.LOGIN, actor=worker_a)
    assert login.ip_address == SECOND


def test_what_a_client_writes_before_the_proxys_entry_is_not_believed(client, worker_a, settings):
    """The proxy appends the address it saw; a client escaping its lockout by sending its own
    X-Forwarded-For only adds entries to the left of that one."""
    settings.TRUSTED_PROXIES = 1
    fail_five_times(client, FIRST)
    assert log_in(client, PASSWORD, f"{SECOND}, {FIRST}").status_code == 429
    assert log_in(client, PASSWORD, f"198.51.100.9, {SECOND}, {FIRST}").status_code == 429


def test_without_the_proxy_setting_the_header_is_ignored(client, worker_a, settings):
    """A server reached directly (no proxy configured) takes the connection's address: a client
    sending X-Forwarded-For neither escapes a lockout nor writes a false address into audit rows."""
    assert settings.TRUSTED_PROXIES == 0
    fail_five_times(client, FIRST)
    assert log_in(client, PASSWORD, SECOND).status_code == 429
    assert log_in(client, PASSWORD, None).status_code == 429
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="worker_a")
    assert set(failed.values_list("ip_address", flat=True)) == {PROXY}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", PROXY),  # no proxy: the header is anyone's
        (1, None, PROXY),  # behind a proxy but asked directly: the connection
        (1, FIRST, FIRST),
        (1, f"198.51.100.9, {FIRST}", FIRST),  # the client's own entry on the left is ignored
        (2, f"{FIRST}, 10.0.0.2", FIRST),  # two proxies: the first one's entry is the client
        (2, f"198.51.100.9, {FIRST}, 10.0.0.2", FIRST),
        (2, FIRST, PROXY),  # fewer entries than proxies: not through the proxies
    ],
)
def test_the_client_is_the_entry_the_first_trusted_proxy_wrote(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, **headers)
    assert client_ip(request) == expected


def test_rate_limits_count_each_client_behind_the_proxy(db, settings):
    settings.TRUSTED_PROXIES = 1
    settings.RATE_LIMITS = {"resident": None, "anonymous": (2, 3600)}
    factory = RequestFactory()

    def intake(forwarded: str):
        return factory.post("/open311/v2/requests.json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)

    ratelimit.check_anonymous_intake(intake(FIRST))
    ratelimit.check_anonymous_intake(intake(FIRST))
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check_anonymous_intake(intake(f"198.51.100.9, {FIRST}"))
    ratelimit.check_anonymous_intake(intake(SECOND))  # another client behind the same proxy
