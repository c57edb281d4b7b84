"""`/metrics`: off unless enabled; then answered to a scraper on the loopback or with the token
only; request counts and latency by view name (never by raw path); the task queue, the overdue
sweep's lag and import runs read at each scrape in a fixed number of queries; and the JSON
request line, which holds no query string, user or address. The multiprocess mode under
gunicorn is shown by `test_serve.py`."""

import datetime as dt
import io
import json
import logging

import pytest
import time_machine
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from pythonjsonlogger.json import JsonFormatter

from wangge.cases.actions import sweep_overdue
from wangge.cases.tasks import sweep_overdue_cases
from wangge.cases.tests.factories import accepted, file
from wangge.lib.testing import assert_flat, count_queries

TOKEN = "a-long-enough-scrape-token"


@pytest.fixture
def enabled(settings):
    settings.METRICS = True
    settings.METRICS_TOKEN = TOKEN


def scrape(client, **headers) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", **headers)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.content.decode())
        for sample in family.samples
    }


def requests_of(figures, view: str, status: str = "200") -> float:
    return figures.get(("wangge_http_requests_total", (("method", "GET"), ("status", status), ("view", view))), 0)


def test_metrics_are_off_unless_enabled(client, db):
    assert client.get("/metrics").status_code == 404


def test_only_the_loopback_without_a_proxy_or_the_token_may_scrape(client, db, enabled):
    assert client.get("/metrics").status_code == 200  # the test client connects from 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    # Through a reverse proxy on this machine: the connection is the loopback, the client is not.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    allowed = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert allowed.status_code == 200


def test_without_a_token_configured_no_bearer_is_accepted(client, db, settings, enabled):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_requests_are_counted_by_view_name_not_by_path(client, small, catalogue, worker_a, enabled):
    first, second = file(small, catalogue), file(small, catalogue)
    client.force_login(worker_a)
    before = scrape(client)
    for case in (first, second, first):
        assert client.get(f"/cases/{case.pk}/?q=secret").status_code == 200
    client.get("/no-such-page/")
    after = scrape(client)
    assert requests_of(after, "case") - requests_of(before, "case") == 3
    assert requests_of(after, "<unmatched>", "404") - requests_of(before, "<unmatched>", "404") == 1
    views = {dict(labels)["view"] for name, labels in after if name.startswith("wangge_http_request")}
    assert "case" in views and not [view for view in views if "/" in view or str(first.pk) in view]
    latency = ("wangge_http_request_duration_seconds_count", (("method", "GET"), ("view", "case")))
    assert after[latency] - before.get(latency, 0) == 3


def test_the_task_queue_the_overdue_sweep_lag_and_import_runs(client, small, catalogue, district_admin, enabled):
    figures = scrape(client)
    assert figures[("wangge_database_up", ())] == 1
    assert figures[("wangge_tasks_ready", ())] == 0
    assert figures[("wangge_overdue_sweep_lag_seconds", ())] == 0
    assert {labels for name, labels in figures if name == "wangge_import_runs"} == {
        (("state", state),) for state in ("queued", "running", "succeeded", "failed")
    }

    case = accepted(district_admin, file(small, catalogue))  # due in 3 working days
    sweep_overdue_cases.enqueue()
    late = case.due_at + dt.timedelta(hours=2)
    with time_machine.travel(late, tick=False):
        figures = scrape(client)
        assert figures[("wangge_tasks_ready", ())] == 1
        assert figures[("wangge_tasks_oldest_ready_age_seconds", ())] >= 2 * 3600
        assert figures[("wangge_cases_awaiting_overdue_mark", ())] == 1
        assert figures[("wangge_overdue_sweep_lag_seconds", ())] == 2 * 3600
        assert sweep_overdue(timezone.now()) == 1
        figures = scrape(client)
        assert figures[("wangge_overdue_sweep_lag_seconds", ())] == 0
        assert figures[("wangge_cases_awaiting_overdue_mark", ())] == 0


def test_a_scrape_takes_the_same_queries_however_many_rows(client, small, catalogue, enabled):
    def measured(cases: int):
        for _ in range(cases):
            file(small, catalogue)
            sweep_overdue_cases.enqueue()
        with count_queries() as queries:
            scrape(client)
        return queries

    assert_flat(measured(1), measured(5), at_most=4)


def json_lines(settings) -> tuple[io.StringIO, logging.Handler]:
    """The request logger's lines, formatted by the formatter the settings configure."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    handler.setFormatter(JsonFormatter(**options))
    logging.getLogger("wangge.request").addHandler(handler)
    return stream, handler


def test_the_request_log_is_one_json_line_without_query_user_or_address(client, worker_a, settings):
    settings.REQUEST_LOG = True
    client.force_login(worker_a)
    stream, handler = json_lines(settings)
    try:
        client.get("/people/?q=张伟", REMOTE_ADDR="203.0.113.5")
        settings.LOG_CLIENT_ADDRESS = True
        client.get("/cases/", REMOTE_ADDR="203.0.113.5")
    finally:
        logging.getLogger("wangge.request").removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["path"] == "/people/" and first["view"] == "people" and first["method"] == "GET"
    assert {"status", "ms", "bytes", "pid", "timestamp"} <= set(first)
    text = json.dumps(first, ensure_ascii=False)
    assert "张伟" not in text and "q=" not in text and "worker_a" not in text and "203.0.113.5" not in text
    assert second["client"] == "203.0.113.5"
