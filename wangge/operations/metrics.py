"""The platform's metrics in the Prometheus text format (prometheus-client), as `/metrics`
answers them (docs/deploy.md, "Metrics").

Counted on every request by `middleware.RequestMetricsMiddleware`, labelled by the view's
name (its URL name, never the raw path: a path holds ids, one series per case would not do):

- `wangge_http_requests_total{view, method, status}`
- `wangge_http_request_duration_seconds{view, method}` (a histogram)

Read from the database at each scrape (three queries, whatever the tables hold):

- `wangge_database_up` — 1 when the database answers `SELECT 1`
- `wangge_tasks_ready`, `wangge_tasks_oldest_ready_age_seconds` — the task queue as `/healthz`
  sees it (`health.tasks_check`)
- `wangge_overdue_sweep_lag_seconds`, `wangge_cases_awaiting_overdue_mark` — how long the
  oldest open case past its deadline has waited for the overdue sweep to mark it, and how many
  wait (`cases.queries.awaiting_overdue_mark`); 0 when none waits
- `wangge_import_runs{state}` — ledger import runs in each state

Under gunicorn each worker process writes its counts into files in `PROMETHEUS_MULTIPROC_DIR`
(prometheus-client's multiprocess mode, set up by `wangge serve`); a scrape, answered by any
one worker, adds up every worker's. Without that directory (the development server, tests) the
counts are this process's own. No personal data: names of views, counts and durations.
"""

import os
from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from wangge.cases.queries import awaiting_overdue_mark
from wangge.ledgers.models import ImportRun, RunState
from wangge.operations.health import OK, database_check, tasks_check

REQUESTS = Counter(
    "wangge_http_requests",
    "Requests answered, by view name, method and status.",
    ["view", "method", "status"],
    registry=None,
)
LATENCY = Histogram(
    "wangge_http_request_duration_seconds",
    "Time to answer a request, by view name and method.",
    ["view", "method"],
    registry=None,
)


def observe(view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view, method, str(status)).inc()
    LATENCY.labels(view, method).observe(seconds)


class PlatformCollector(Collector):
    """The figures read from the database at each scrape."""

    def collect(self) -> Iterator[Metric]:
        database = database_check()
        up = GaugeMetricFamily("wangge_database_up", "1 when the database answers a trivial query.")
        up.add_metric([], 1 if database["status"] == OK else 0)
        yield up
        if database["status"] != OK:
            return
        tasks = tasks_check()
        if "ready" in tasks:
            yield GaugeMetricFamily("wangge_tasks_ready", "Tasks ready to run now.", value=tasks["ready"])
            yield GaugeMetricFamily(
                "wangge_tasks_oldest_ready_age_seconds",
                "How long the oldest ready task has waited since it could first run.",
                value=tasks["oldest_ready_seconds"],
            )
        now = timezone.now()
        waiting = awaiting_overdue_mark(now).aggregate(count=Count("id"), oldest=Min("due_at"))
        lag = (now - waiting["oldest"]).total_seconds() if waiting["oldest"] is not None else 0
        yield GaugeMetricFamily(
            "wangge_overdue_sweep_lag_seconds",
            "How long the oldest open case past its deadline has waited to be marked overdue.",
            value=max(0.0, lag),
        )
        yield GaugeMetricFamily(
            "wangge_cases_awaiting_overdue_mark",
            "Open cases past their deadline not yet marked overdue.",
            value=waiting["count"],
        )
        runs = GaugeMetricFamily("wangge_import_runs", "Ledger import runs in each state.", labels=["state"])
        counts = dict(ImportRun.objects.values_list("state").annotate(n=Count("id")).order_by())
        for state in RunState:
            runs.add_metric([state.value], counts.get(state.value, 0))
        yield runs


def exposition() -> bytes:
    """Every metric in the Prometheus text format: every worker's request counts (or this
    process's, without a multiprocess directory), then the platform's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(PlatformCollector())
    return generate_latest(registry)
