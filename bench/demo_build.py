"""Build the reference district into a fresh temporary SQLite database and print the figures.

    .venv/bin/python bench/demo_build.py                 # small, then full
    .venv/bin/python bench/demo_build.py --scale small   # one scale

Each scale runs in its own process (so its peak memory is its own) with WANGGE_VAR_DIR set
to a new temporary directory before Django starts: migrate, then
`wangge.demo.generator.build_reference_district`. Prints wall and CPU time, the time of each
stage, the counts and the peak resident memory. Asserts nothing about time.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(scale: str, seed: int) -> None:
    """Runs in the child process: build one scale into a new database and print JSON."""
    var_dir = tempfile.mkdtemp(prefix=f"wangge-bench-{scale}-")
    os.environ["WANGGE_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from wangge.demo.generator import build_reference_district

    try:
        started, cpu = time.perf_counter(), time.process_time()
        call_command("migrate", verbosity=0)
        migrate = (time.perf_counter() - started, time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        result = build_reference_district(scale, seed)
        build = (time.perf_counter() - started, time.process_time() - cpu)
        database = Path(var_dir) / "wangge.sqlite3"
        size = sum(p.stat().st_size for p in Path(var_dir).glob("wangge.sqlite3*"))
        print(
            json.dumps(
                {
                    "scale": scale,
                    "migrate_wall": round(migrate[0], 1),
                    "migrate_cpu": round(migrate[1], 1),
                    "build_wall": round(build[0], 1),
                    "build_cpu": round(build[1], 1),
                    "stages": result.timings,
                    "counts": result.counts,
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                    "database_mb": round(size / 2**20),
                    "database": str(database),
                }
            )
        )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["small", "full"], action="append")
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, args.seed)
        return
    print(f"{os.cpu_count()} CPUs; load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for scale in args.scale or ["small", "full"]:
        command = [sys.executable, __file__, "--one", scale, "--seed", str(args.seed)]
        output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        counts = figures["counts"]
        print(f"\n{scale} scale (seed {args.seed}), fresh SQLite database")
        print(f"  migrate          {figures['migrate_wall']:>8.1f} s wall  {figures['migrate_cpu']:>8.1f} s CPU")
        print(f"  build            {figures['build_wall']:>8.1f} s wall  {figures['build_cpu']:>8.1f} s CPU")
        print("  stages (wall, s) " + ", ".join(f"{k} {v}" for k, v in figures["stages"].items()))
        print("  counts           " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        print(f"  peak memory      {figures['peak_rss_mb']:>8,} MB (ru_maxrss of the building process)")
        print(f"  database size    {figures['database_mb']:>8,} MB")
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
