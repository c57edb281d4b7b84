"""Intake under load: the platform behind gunicorn on PostgreSQL against a bare Django view.

    .venv/bin/python bench/intake.py                      # 20 s per endpoint at 1, 8, 16 clients
    .venv/bin/python bench/intake.py --seconds 5 --clients 1,4 --workers 3

A throwaway PostgreSQL database (--pg; dropped at the end unless --keep) is created, migrated
and filled with the small reference district (`wangge demo --scale small --no-serve`); an
Open311 API key (`wangge apikey create`) and a bearer token for the demo's `grid_worker`
(`wangge token create`) are made through the CLI. Two gunicorns then run on 127.0.0.1 with the
same settings, the same worker class and number of workers, against that database:

  * the platform (`wangge.wsgi`);
  * the bare view (bench/intake_bare.py: the platform's settings, a URLconf with one view that
    inserts the same Case row with `Case.objects.create` and none of our logic).

Both get WANGGE_RATE_RESIDENT=off and WANGGE_RATE_ANONYMOUS=off (so no rate limit caps the
load) and WANGGE_DB_CONN_MAX_AGE (persistent connections). A load generator in this process
(one thread per client, each with its own urllib3 connection pool of one, requests back to
back) drives each endpoint for --seconds at each number of clients:

  * bare insert         POST /bare/cases                    (form: description, lat, long)
  * Open311 POST        POST /open311/v2/requests.json      (form: api_key, service_code, lat, long, description)
  * REST POST           POST /api/v1/cases                  (JSON, bearer token: category, description, lng, lat)
  * REST GET list       GET  /api/v1/cases?limit=20         (bearer token)

and prints requests/s, p50 and p99 latency, errors, and the ratio of each endpoint's
throughput to the bare insert's at the same number of clients, measured side by side in one
run. The load generator shares the machine with the servers and the database. Prints figures;
asserts nothing about time (it does say whether the issue's targets are met).
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import urllib3

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per endpoint and concurrency (20)")
    parser.add_argument("--clients", default="1,8,16", help="concurrent clients, comma list (1,8,16)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync)")
    parser.add_argument("--conn-max-age", type=int, default=60, help="WANGGE_DB_CONN_MAX_AGE (60)")
    parser.add_argument("--port", type=int, default=8311, help="platform port; the bare view gets port + 1")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="wangge_bench_intake")
    parser.add_argument("--keep", action="store_true", help="keep the database and the var directory")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    import django
    import gunicorn
    import psycopg

    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Django {django.__version__}, "
        f"gunicorn {gunicorn.__version__}, psycopg {psycopg.__version__}; "
        f"load average before: {load()}",
        flush=True,
    )
    var_dir = tempfile.mkdtemp(prefix="wangge-bench-intake-")
    url = f"{args.pg}/{args.database}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="wangge.settings",
        DATABASE_URL=url,
        WANGGE_VAR_DIR=var_dir,
        WANGGE_RATE_RESIDENT="off",
        WANGGE_RATE_ANONYMOUS="off",
        WANGGE_DB_CONN_MAX_AGE=str(args.conn_max_age),
        WANGGE_LOG_LEVEL="WARNING",
    )
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {args.database}")
    servers: list[subprocess.Popen] = []  # type: ignore[type-arg]
    try:
        started = time.perf_counter()
        cli(env, "migrate", "-v0")
        cli(env, "demo", "--scale", "small", "--no-serve")
        log(f"database {args.database} migrated and the small district built in {time.perf_counter() - started:.0f} s")
        setup = lookup(env)
        api_key = cli(env, "apikey", "create", "bench", "--district", setup["district_code"]).strip().splitlines()[-1]
        token = cli(env, "token", "create", "grid_worker", "--name", "bench").strip().splitlines()[-1]
        log(
            f"district {setup['district_code']}, category {setup['category_code']} (no required question), "
            f"grid {setup['grid_code']} of grid_worker, point {setup['lng']:.6f}, {setup['lat']:.6f}"
        )

        bare_env = dict(env, DJANGO_SETTINGS_MODULE="bench.intake_bare")
        for name in ("district", "category", "community", "grid"):
            bare_env[f"BENCH_{name.upper()}"] = str(setup[f"{name}_id"])
        servers.append(serve(args, env, args.port, "wangge.wsgi:application", var_dir, "platform"))
        servers.append(serve(args, bare_env, args.port + 1, "django.core.wsgi:get_wsgi_application()", var_dir, "bare"))
        wait_ready(args.port, "/open311/v2/discovery.json")
        wait_ready(args.port + 1, "/bare/cases")
        log(
            f"two gunicorns on 127.0.0.1:{args.port} (platform) and :{args.port + 1} (bare), "
            f"{args.workers} {args.worker_class} workers each, CONN_MAX_AGE {args.conn_max_age}"
        )

        endpoints = make_endpoints(args.port, setup, api_key, token)
        ports = [args.port, args.port + 1]
        for name, request in endpoints.items():  # every worker opens its connection, imports its code
            result = drive(request, ports, 8, 2.0)
            if result["errors"]:
                raise SystemExit(f"{name}: {result['errors']} errors in the warm-up, e.g. {result['sample']}")
        results: dict[tuple[str, int], dict] = {}  # type: ignore[type-arg]
        for count in clients:
            for name, request in endpoints.items():
                # The run grows the case table from 90 rows to tens of thousands within minutes,
                # faster than autovacuum re-analyses it; with statistics of a 90-row table the
                # planner sorts the whole grid for the list. A district's table is large and
                # analysed: so is this one before each cell.
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("ANALYZE cases_case")
                result = drive(request, ports, count, args.seconds)
                results[name, count] = result
                log(
                    f"{count:>2} clients  {name:<16} {result['rps']:>8.1f} req/s  p50 {result['p50']:>6.1f} ms  "
                    f"p99 {result['p99']:>6.1f} ms  errors {result['errors']}"
                    + (f" (e.g. {result['sample']})" if result["errors"] else "")
                    + f"  load {load()}"
                )
        report(results, clients, list(endpoints), args)
        with psycopg.connect(url) as conn:
            cases = conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]  # type: ignore[index]
        print(f"\ncases in the database at the end: {cases:,}; load average after: {load()}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            print(f"kept: DATABASE_URL={url} WANGGE_VAR_DIR={var_dir}")
        else:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            shutil.rmtree(var_dir, ignore_errors=True)


def load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def log(message: str) -> None:
    print(message, flush=True)


def cli(env: dict, *command: str) -> str:  # type: ignore[type-arg]
    done = subprocess.run(
        [str(BIN / "wangge"), *command], env=env, cwd=ROOT, check=False, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"wangge {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def lookup(env: dict) -> dict:  # type: ignore[type-arg]
    """The ids the requests and the bare view use, read in a child process (its own settings)."""
    code = r"""
import json, django
django.setup()
from wangge.accounts.models import RoleAssignment
from wangge.areas.models import AreaNode
from wangge.cases.models import Category
grid = RoleAssignment.objects.select_related("area").get(user__username="grid_worker", role="grid_worker").area
building = AreaNode.objects.filter(grid=grid, level="building", lng__isnull=False).order_by("code").first()
district = AreaNode.objects.get(pk=grid.district_id)
categories = Category.objects.filter(district=district, active=True, public=True, parent__isnull=False)
categories = categories.exclude(questions__required=True).order_by("code")
category = categories.filter(code="HJ01").first() or categories.first()
print(json.dumps({
    "district_id": district.pk, "district_code": district.code, "grid_id": grid.pk, "grid_code": grid.code,
    "community_id": grid.community_id, "category_id": category.pk, "category_code": category.code,
    "lng": building.lng, "lat": building.lat,
}))
"""
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def serve(args: argparse.Namespace, env: dict, port: int, app: str, var_dir: str, label: str) -> subprocess.Popen:  # type: ignore[type-arg]
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--chdir",
        str(ROOT),
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        app,
    ]
    output = open(Path(var_dir) / f"gunicorn-{label}.log", "w")  # noqa: SIM115 - kept for the server's life
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)


def wait_ready(port: int, path: str) -> None:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False, timeout=5)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            pool.request("GET", path)
            return
        except urllib3.exceptions.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"no server on port {port} after 60 s")


def make_endpoints(port: int, s: dict, api_key: str, token: str) -> dict:  # type: ignore[type-arg]
    """name → function(pool, i) sending the i-th request on `pool`, returning the response."""
    point = {"lat": f"{s['lat']:.7f}", "long": f"{s['lng']:.7f}"}
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def bare(pool: dict, i: int) -> urllib3.BaseHTTPResponse:
        return pool[port + 1].request_encode_body(  # type: ignore[no-any-return]
            "POST", "/bare/cases", fields={**point, "description": f"bench bare {i}"}, encode_multipart=False
        )

    def open311(pool: dict, i: int) -> urllib3.BaseHTTPResponse:
        fields = {"api_key": api_key, "service_code": s["category_code"], **point, "description": f"bench open311 {i}"}
        return pool[port].request_encode_body(  # type: ignore[no-any-return]
            "POST", "/open311/v2/requests.json", fields=fields, encode_multipart=False
        )

    def rest_post(pool: dict, i: int) -> urllib3.BaseHTTPResponse:
        body = {"category": s["category_code"], "description": f"bench rest {i}", "lng": s["lng"], "lat": s["lat"]}
        return pool[port].request("POST", "/api/v1/cases", body=json.dumps(body), headers=bearer)  # type: ignore[no-any-return]

    def rest_get(pool: dict, i: int) -> urllib3.BaseHTTPResponse:
        return pool[port].request("GET", "/api/v1/cases?limit=20", headers=bearer)  # type: ignore[no-any-return]

    return {"bare insert": bare, "Open311 POST": open311, "REST POST": rest_post, "REST GET list": rest_get}


_counter = iter(range(10**12))
_counter_lock = threading.Lock()


def drive(request, ports: list[int], clients: int, seconds: float) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """`clients` threads sending requests back to back for `seconds`; latencies of 2xx answers."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[list[str]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)
    stop = [0.0]

    def client(n: int) -> None:
        pools = {
            port: urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, block=True, retries=False, timeout=30)
            for port in ports
        }
        mine, failed = latencies[n], errors[n]
        barrier.wait()
        while time.perf_counter() < stop[0]:
            with _counter_lock:
                i = next(_counter)
            t0 = time.perf_counter()
            try:
                response = request(pools, i)
                status = response.status
            except urllib3.exceptions.HTTPError as error:
                failed.append(type(error).__name__)
                continue
            if 200 <= status < 300:
                mine.append(time.perf_counter() - t0)
            else:
                failed.append(f"{status} {response.data[:200]!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    stop[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done = sorted(t for part in latencies for t in part)
    failures = [e for part in errors for e in part]
    return {
        "count": len(done),
        "rps": len(done) / elapsed,
        "p50": 1000 * statistics.median(done) if done else float("nan"),
        "p99": 1000 * done[min(len(done) - 1, int(0.99 * len(done)))] if done else float("nan"),
        "errors": len(failures),
        "sample": failures[0] if failures else "",
    }


def report(results: dict, clients: list[int], names: list[str], args: argparse.Namespace) -> None:  # type: ignore[type-arg]
    print(f"\n{args.seconds:g} s per cell; {args.workers} {args.worker_class} gunicorn workers per server")
    header = f"{'':<16}" + "".join(f"{f'{c} client' + ('s' if c > 1 else ''):>34}" for c in clients)
    print(header)
    print(f"{'':<16}" + "".join(f"{'req/s   p50 ms   p99 ms  ratio':>34}" for _ in clients))
    for name in names:
        cells = []
        for c in clients:
            r, bare = results[name, c], results["bare insert", c]
            ratio = r["rps"] / bare["rps"] if bare["rps"] else float("nan")
            cells.append(f"{r['rps']:>9.1f} {r['p50']:>8.1f} {r['p99']:>8.1f} {ratio:>6.2f}")
        print(f"{name:<16}" + "".join(f"{cell:>34}" for cell in cells))
    errors = sum(r["errors"] for r in results.values())
    print(f"errors: {errors}")
    top = max(clients)
    print(f"\ntargets at {top} clients: throughput >= {TARGET_RATIO} of the bare insert's, p99 <= {TARGET_P99_MS:g} ms")
    for name in names[1:]:
        r, bare = results[name, top], results["bare insert", top]
        ratio = r["rps"] / bare["rps"] if bare["rps"] else float("nan")
        print(
            f"  {name:<16} ratio {ratio:.2f} ({'met' if ratio >= TARGET_RATIO else 'MISSED'}), "
            f"p99 {r['p99']:.1f} ms ({'met' if r['p99'] <= TARGET_P99_MS else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
