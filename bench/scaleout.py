"""Scale-out: intake and the case list with 1, 2 and 4 server processes and with two server
instances behind a load balancer, against one PostgreSQL; then a district's pages, size and
overdue sweep, the per-district inputs of the capacity table in docs/performance.md.

    .venv/bin/python bench/scaleout.py                         # 20 s per cell, 8 clients
    .venv/bin/python bench/scaleout.py --seconds 10 --clients 4 --skip-province
    .venv/bin/python bench/scaleout.py --reuse --keep --topologies ""   # the district part, on a kept database

A throwaway PostgreSQL database (dropped at the end unless --keep) is created, migrated and
filled with the small reference district (`wangge demo --scale small --no-serve`); a bearer token
for the demo's `grid_worker` is made with `wangge token create`. Then, for each topology:

  * `wangge serve --workers 1`, `--workers 2`, `--workers 4` (gunicorn, sync workers);
  * two instances, `wangge serve --workers 2` each on its own port, behind a round-robin TCP
    load balancer on the loopback (this script, `--balance`, in its own process: each client
    connection goes to the next instance, bytes relayed both ways, as nginx's `stream` or
    HAProxy's `mode tcp` would do),

the load generator (bench/intake.py's: one thread per client, one keep-alive connection each,
requests back to back) drives, for --seconds each:

  * intake     POST /api/v1/cases          (JSON, bearer token: category, description, lng, lat)
  * case list  GET  /api/v1/cases?limit=20 (bearer token: the grid worker's cases, newest first)

and prints requests/s, p50/p95 latency, and the **CPU milliseconds per request** of each
component: the server processes (gunicorn's arbiter and workers, both instances for the
balanced one), the PostgreSQL backends serving this database (their pids from
pg_stat_activity, CPU from /proc/<pid>/stat), the balancer, and this load generator. All share
the machine's cores; the figures say how much CPU each request costs where.

The district part (--skip-province leaves it out), on the same database after the intake runs
(so it holds the demo's year plus every case filed above): each page below asked 30 times
in a child process through Django's test client (server time, no network), p50 and p95: the
case list and every worklist of the district administrator and of a grid worker, the public
board, coverage and field-work compliance; the database's size and its largest tables; the
overdue sweep's time when nothing is due and when every open case is (a sweep 60 days ahead,
every case then due in one call). Prints figures; asserts nothing about time.
"""

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import intake  # noqa: E402  (bench/intake.py: the same load generator and helpers)

ROOT = intake.ROOT
BIN = intake.BIN
TICK = os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per topology and endpoint (20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--port", type=int, default=8411, help="first port (the balancer; instances above it)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="wangge_bench_scaleout")
    parser.add_argument(
        "--topologies", default="1,2,4,2x2", help="workers per server, or 2x2: two instances (1,2,4,2x2)"
    )
    parser.add_argument("--skip-province", action="store_true", help="leave the district's pages, size and sweep out")
    parser.add_argument("--keep", action="store_true", help="keep the database and the var directory")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left (no new district)")
    parser.add_argument("--balance", nargs="+", help=argparse.SUPPRESS)  # internal: LISTEN BACKEND...
    args = parser.parse_args()
    if args.balance:
        balance(int(args.balance[0]), [int(p) for p in args.balance[1:]])
        return

    import django
    import gunicorn

    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Django {django.__version__}, "
        f"gunicorn {gunicorn.__version__}, psycopg {psycopg.__version__}; load average before: {intake.load()}",
        flush=True,
    )
    var_dir = tempfile.mkdtemp(prefix="wangge-bench-scaleout-")
    url = f"{args.pg}/{args.database}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="wangge.settings",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=url,
        WANGGE_VAR_DIR=var_dir,
        WANGGE_RATE_RESIDENT="off",
        WANGGE_RATE_ANONYMOUS="off",
        WANGGE_DB_CONN_MAX_AGE="60",
        WANGGE_LOG_LEVEL="WARNING",
        GUNICORN_CMD_ARGS="--log-level warning --backlog 2048 --timeout 60",
    )
    if not args.reuse:
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {args.database}")
    try:
        started = time.perf_counter()
        if not args.reuse:
            intake.cli(env, "migrate", "-v0")
            intake.cli(env, "demo", "--scale", "small", "--no-serve")
            intake.log(f"migrated and the small district built in {time.perf_counter() - started:.0f} s")
        setup = intake.lookup(env)
        token = intake.cli(env, "token", "create", "grid_worker", "--name", "bench").strip().splitlines()[-1]
        results = []
        for topology in filter(None, args.topologies.split(",")):
            results.append(run_topology(args, env, url, setup, token, topology, var_dir))
        if results:
            report(results, args)
        if not args.skip_province:
            province(env, url)
    finally:
        if args.keep:
            print(f"kept: DATABASE_URL={url} WANGGE_VAR_DIR={var_dir}")
        else:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            shutil.rmtree(var_dir, ignore_errors=True)


# --- CPU time from /proc --------------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5), counted after the name


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the processes together (VmRSS; shared pages counted in each)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def server_pids(arbiters: list[int]) -> list[int]:
    return [pid for arbiter in arbiters for pid in (arbiter, *children(arbiter))]


def backend_pids(url: str) -> list[int]:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchall()
    return [row[0] for row in rows]


class CpuMeter:
    """CPU ticks of named groups of processes between `start` and `stop`; a process that
    appears between the two counts from zero."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.before = {name: {pid: cpu_ticks(pid) for pid in pids} for name, pids in groups.items()}

    def stop(self, groups: dict[str, list[int]]) -> dict[str, float]:
        spent = {}
        for name, pids in groups.items():
            before = self.before.get(name, {})
            ticks = sum(cpu_ticks(pid) - before.get(pid, 0) for pid in set(pids) | set(before))
            spent[name] = ticks * 1000.0 / TICK
        return spent


# --- servers and the balancer ---------------------------------------------------------------------


def start_server(env: dict, port: int, workers: int, var_dir: str, label: str) -> subprocess.Popen:  # type: ignore[type-arg]
    output = open(Path(var_dir) / f"serve-{label}.log", "w")  # noqa: SIM115 - kept for the server's life
    return subprocess.Popen(
        [str(BIN / "wangge"), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def stop(processes: list[subprocess.Popen]) -> None:  # type: ignore[type-arg]
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


def balance(listen: int, backends: list[int]) -> None:
    """A round-robin TCP load balancer: each new client connection goes to the next backend."""
    turn = itertools.cycle(backends)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", next(turn))
        for stream in (writer, backend_writer):
            stream.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pipe(reader, backend_writer), pipe(backend_reader, writer))

    async def serve() -> None:
        server = await asyncio.start_server(client, "127.0.0.1", listen, backlog=2048)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def run_topology(args, env, url, setup, token, topology: str, var_dir: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    processes: list[subprocess.Popen] = []  # type: ignore[type-arg]
    balancer = None
    try:
        if topology == "2x2":
            ports = [args.port + 1, args.port + 2]
            for n, port in enumerate(ports):
                processes.append(start_server(env, port, 2, var_dir, f"2x2-{n}"))
            balancer = subprocess.Popen(
                [sys.executable, __file__, "--balance", str(args.port), *map(str, ports)], cwd=ROOT
            )
            for port in ports:
                intake.wait_ready(port, "/healthz")
            intake.wait_ready(args.port, "/healthz")
            label = "2 instances × 2 workers, balanced"
        else:
            processes.append(start_server(env, args.port, int(topology), var_dir, topology))
            intake.wait_ready(args.port, "/healthz")
            label = f"1 instance × {topology} worker{'s' if topology != '1' else ''}"
        bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        point = {"category": setup["category_code"], "lng": setup["lng"], "lat": setup["lat"]}
        port = args.port

        def post(pool: dict, i: int):  # type: ignore[no-untyped-def]
            body = json.dumps({**point, "description": f"bench scale-out {i}"})
            return pool[port].request("POST", "/api/v1/cases", body=body, headers=bearer)

        def get(pool: dict, i: int):  # type: ignore[no-untyped-def]
            return pool[port].request("GET", "/api/v1/cases?limit=20", headers=bearer)

        row: dict = {"topology": label}  # type: ignore[type-arg]
        for name, request in (("intake", post), ("case list", get)):
            warm = intake.drive(request, [port], args.clients, 2.0)  # every worker connects and imports
            if warm["errors"]:
                raise SystemExit(f"{label} {name}: {warm['errors']} errors in the warm-up, e.g. {warm['sample']}")
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE cases_case")
            arbiters = [p.pid for p in processes]

            def groups(arbiters: list[int] = arbiters) -> dict[str, list[int]]:
                return {
                    "servers": server_pids(arbiters),
                    "postgres": backend_pids(url),
                    "balancer": [balancer.pid] if balancer else [],
                    "load": [os.getpid()],
                }

            meter = CpuMeter(groups())
            result = intake.drive(request, [port], args.clients, args.seconds)
            spent = meter.stop(groups())
            row["rss_mb"] = rss_mb(server_pids(arbiters))
            row["processes"] = len(server_pids(arbiters))
            count = max(result["count"], 1)
            row[name] = {**result, **{f"{k}_ms": v / count for k, v in spent.items()}}
            intake.log(
                f"{label:<36} {name:<9} {result['rps']:>7.1f} req/s  p50 {result['p50']:>6.1f} ms  "
                f"p99 {result['p99']:>6.1f} ms  CPU ms/req: servers {spent['servers'] / count:.1f}, "
                f"PostgreSQL {spent['postgres'] / count:.1f}, balancer {spent['balancer'] / count:.1f}, "
                f"load generator {spent['load'] / count:.1f}; errors {result['errors']}; load {intake.load()}"
            )
        return row
    finally:
        stop(processes)
        if balancer:
            stop([balancer])


def report(results: list[dict], args: argparse.Namespace) -> None:  # type: ignore[type-arg]
    print(f"\n{args.seconds:g} s per cell, {args.clients} clients, {os.cpu_count()} CPUs shared by all processes")
    print(
        f"{'topology':<36} {'endpoint':<9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'servers':>8} {'postgres':>8} {'balancer':>8} {'loadgen':>8}  (CPU ms per request)"
    )
    for row in results:
        for name in ("intake", "case list"):
            r = row[name]
            print(
                f"{row['topology']:<36} {name:<9} {r['rps']:>7.1f} {r['p50']:>7.1f} {r['p99']:>7.1f} "
                f"{r['servers_ms']:>8.1f} {r['postgres_ms']:>8.1f} {r['balancer_ms']:>8.1f} {r['load_ms']:>8.1f}"
            )
        print(
            f"{'':<36} server processes: {row['processes']} (arbiters included), "
            f"resident {row['rss_mb']:.0f} MB together"
        )


# --- the district: pages, size, sweep ------------------------------------------------------------

PROVINCE = r"""
import json, os, statistics, time, datetime as dt
import django
django.setup()
from django.db import connection
from django.test import Client
from django.utils import timezone
from wangge.accounts.models import User
from wangge.cases.actions.deadlines import sweep_overdue
from wangge.cases.queries import awaiting_overdue_mark, worklists_for

REPEAT = 30
TICK = os.sysconf("SC_CLK_TCK")
out = {"pages": {}}
def backend_ms():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK
def measure(label, user, path):
    client = Client()
    if user:
        client.force_login(user)
    times = []
    for i in range(REPEAT + 2):
        if i == 2:  # the first two warm the process's caches
            cpu0, db0 = time.process_time(), backend_ms()
        t0 = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if i >= 2:
            times.append(elapsed)
    cpu = (time.process_time() - cpu0) * 1000 / REPEAT
    db = (backend_ms() - db0) / REPEAT
    times.sort()
    out["pages"][label] = {
        "p50": statistics.median(times), "p95": times[int(0.95 * len(times)) - 1], "path": path,
        "cpu_ms": cpu, "db_ms": db,
    }

for username in ("district_admin", "grid_worker"):
    user = User.objects.get(username=username)
    measure(f"{username}: case list", user, "/cases/")
    for name in worklists_for(user):
        measure(f"{username}: worklist {name}", user, f"/cases/?list={name}")
measure("public board (anonymous)", None, "/board/")
admin = User.objects.get(username="district_admin")
measure("district_admin: coverage", admin, "/coverage/")
measure("district_admin: field-work compliance", admin, "/fieldwork/compliance/")

with connection.cursor() as cursor:
    cursor.execute("SELECT pg_database_size(current_database())")
    out["database_bytes"] = cursor.fetchone()[0]
    cursor.execute(
        "SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables "
        "ORDER BY pg_total_relation_size(relid) DESC LIMIT 8"
    )
    out["largest"] = cursor.fetchall()
    counts = {}
    for table in ("areas_areanode", "people_person", "cases_case", "fieldwork_patrol"):
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    out["counts"] = counts

now = timezone.now()
t0 = time.perf_counter()
marked = sweep_overdue(now)
out["sweep_nothing_due"] = {"ms": (time.perf_counter() - t0) * 1000, "marked": marked}
out["due_cases"] = awaiting_overdue_mark(now + dt.timedelta(days=60)).count()
t0 = time.perf_counter()
marked = sweep_overdue(now + dt.timedelta(days=60), batch=100_000)
out["sweep_all_due"] = {"ms": (time.perf_counter() - t0) * 1000, "marked": marked}
print(json.dumps(out))
"""


def province(env: dict, url: str) -> None:  # type: ignore[type-arg]
    intake.log(
        "\nthe district: pages (server time, 30 requests each after 2 warm-ups; CPU per request of the "
        "page's process and of its PostgreSQL backend), size, overdue sweep"
    )
    done = subprocess.run(
        [sys.executable, "-c", PROVINCE], env=env, cwd=ROOT, check=False, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"the district part failed:\n{done.stdout}\n{done.stderr}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    for label, figures in out["pages"].items():
        print(
            f"  {label:<40} p50 {figures['p50']:>7.1f} ms  p95 {figures['p95']:>7.1f} ms  "
            f"CPU {figures['cpu_ms']:>6.1f} ms + PostgreSQL {figures['db_ms']:>5.1f} ms  {figures['path']}"
        )
    print(f"  database size: {out['database_bytes'] / 2**20:,.0f} MB; rows: {out['counts']}")
    print("  largest tables: " + ", ".join(f"{name} {size / 2**20:,.0f} MB" for name, size in out["largest"]))
    print(
        f"  overdue sweep, nothing due: {out['sweep_nothing_due']['ms']:.1f} ms; "
        f"60 days ahead: {out['sweep_all_due']['marked']} of the {out['due_cases']} open cases then "
        f"past their deadline "
        f"marked "
        f"in {out['sweep_all_due']['ms']:.0f} ms "
        f"({out['sweep_all_due']['ms'] / max(out['sweep_all_due']['marked'], 1):.1f} ms a case)"
    )


if __name__ == "__main__":
    main()
