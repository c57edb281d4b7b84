"""The cost of the metrics: counting one request, and answering one scrape of /metrics.

    .venv/bin/python bench/metrics.py             # this process's own counts
    .venv/bin/python bench/metrics.py --workers 9 # gunicorn's multiprocess mode, 9 workers' files

A temporary SQLite database is migrated (the scrape reads the task queue, the cases awaiting
the overdue sweep and the import runs from it; empty here). Then 100,000 requests over 40
view names are counted (`operations.metrics.observe`: the counter and the histogram), and 20
scrapes (`operations.metrics.exposition`) are timed. With --workers N, PROMETHEUS_MULTIPROC_DIR
points at a temporary directory and the counting is repeated in N child processes (as N
gunicorn workers would leave their files) before the scrape adds them up.
"""

import argparse
import os
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEWS = [f"view{i}" for i in range(40)]
REQUESTS = 100_000


def count(n: int) -> float:
    from wangge.operations import metrics

    started = time.process_time()  # CPU time: N workers share the machine's cores
    for i in range(n):
        metrics.observe(VIEWS[i % len(VIEWS)], "GET", 200, 0.012)
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=0)
    options = parser.parse_args()
    if options.workers:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp()
    os.environ["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
    os.environ["WANGGE_VAR_DIR"] = tempfile.mkdtemp()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from wangge.operations import metrics

    call_command("migrate", verbosity=0)
    if options.workers:
        with get_context("fork").Pool(options.workers) as pool:
            per_request = pool.map(count, [REQUESTS // options.workers] * options.workers)
        observe_us = sum(per_request) / len(per_request)
    else:
        observe_us = count(REQUESTS)
    metrics.exposition()
    started = time.perf_counter()
    for _ in range(20):
        body = metrics.exposition()
    scrape_ms = (time.perf_counter() - started) / 20 * 1000
    where = f"{options.workers} workers' files" if options.workers else "one process"
    print(f"{where}: counting {observe_us:.1f} µs of CPU a request; a scrape {scrape_ms:.1f} ms, {len(body):,} bytes")


if __name__ == "__main__":
    main()
