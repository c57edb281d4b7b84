"""Error reports (`lib.error_reports`): a request that fails while a person's data is in hand is
reported to a real collector listening on the loopback, and what arrives says where it broke —
the exception's type, the view's path — but holds no query string, cookie, header, user,
client address, local variable or exception message."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk
from django.core.signals import got_request_exception
from django.test import RequestFactory

from wangge.lib import error_reports


class Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # sentry-sdk compresses with Brotli when the package is installed
            body = brotli.decompress(body)
        Collector.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def collector():
    Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)  # reporting off again for the rest of the run
    server.shutdown()
    server.server_close()


def test_an_error_is_reported_without_personal_data(collector, worker_a):
    error_reports.init(collector, environment="test")
    request = RequestFactory().get(
        "/people/42/?q=张伟",
        HTTP_COOKIE="sessionid=session-secret",
        HTTP_AUTHORIZATION="Bearer token-secret",
        REMOTE_ADDR="203.0.113.5",
    )
    request.user = worker_a
    person_phone = "13800001234"
    try:
        raise ValueError(f"duplicate key: 张伟 {person_phone}")
    except ValueError:
        got_request_exception.send(sender=None, request=request)
    sentry_sdk.flush(timeout=10)

    assert Collector.received, "no report reached the collector"
    text = b"\n".join(Collector.received).decode()
    events = [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"exception"' in line]
    assert len(events) == 1
    (exception,) = events[0]["exception"]["values"]
    assert exception["type"] == "ValueError" and exception["value"] == error_reports.SCRUBBED
    assert events[0]["request"] == {"method": None, "url": ""}  # no request bound outside the handler
    for secret in ("张伟", "\\u5f20", person_phone, "session-secret", "token-secret", "203.0.113.5", "worker_a"):
        assert secret not in text, secret
    assert '"vars"' not in text and '"context_line"' not in text
    assert '"function":"test_an_error_is_reported_without_personal_data"' in text  # where it broke


def test_of_the_request_only_the_method_and_the_url_without_its_query_are_kept():
    event = {
        "request": {
            "method": "POST",
            "url": "https://wangge.example.org/people/42/",
            "query_string": "q=张伟",
            "cookies": {"sessionid": "session-secret"},
            "headers": {"Authorization": "Bearer token-secret", "X-Forwarded-For": "203.0.113.5"},
            "data": {"phone": "13800001234"},
            "env": {"REMOTE_ADDR": "203.0.113.5"},
        },
        "user": {"username": "worker_a", "ip_address": "203.0.113.5"},
        "extra": {"sys.argv": ["wangge", "serve"]},
        "logentry": {"message": "Internal Server Error: %s", "params": ["/people/42/?q=张伟"]},
    }
    assert error_reports.scrub(event, {}) == {
        "request": {"method": "POST", "url": "https://wangge.example.org/people/42/"},
        "logentry": {"message": "Internal Server Error: %s"},
    }
