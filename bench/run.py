#!/usr/bin/env python
"""Entry point of `make bench`: run one benchmark, or all of them.

    bench/run.py                          # the liquidation benchmark, 100,000 claims
    bench/run.py liquidation --claims 1000000
    bench/run.py all                      # every benchmark, each in its own process
    make bench BENCH_ARGS="liquidation --claims 1000000"

A benchmark is a module bench/<name>_bench.py that defines NAME, HELP, add_arguments(parser)
and run(args) -> dict; it is found by its file name, nothing else to register. Each benchmark
prepares its own PostgreSQL database (bench.support) and prints its numbers.
"""
from __future__ import annotations

import argparse
import importlib
import json
import signal
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))


def benchmarks() -> dict:
    found = {}
    for path in sorted(HERE.glob("*_bench.py")):
        module = importlib.import_module(f"bench.{path.stem}")
        found[module.NAME] = module
    return found


def main(argv: list[str] | None = None) -> int:
    available = benchmarks()
    parser = argparse.ArgumentParser(prog="bench/run.py", description="Benchmarks du portail AMO (PostgreSQL, Celery).")
    sub = parser.add_subparsers(dest="benchmark")
    sub.add_parser("all", help="tous les benchmarks, avec leurs réglages par défaut, chacun dans son processus")
    for name, module in available.items():
        module.add_arguments(sub.add_parser(name, help=module.HELP))
    args = parser.parse_args(argv or sys.argv[1:] or ["liquidation"])
    if args.benchmark == "all":
        failed = 0
        for name in available:
            print(f"=== {name} ===", flush=True)
            failed += subprocess.call([sys.executable, str(HERE / "run.py"), name]) != 0
        return 1 if failed else 0
    from bench.support import release_redis

    # a benchmark stopped from outside still stops its worker and frees its Redis database
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        result = available[args.benchmark].run(args)
    finally:
        release_redis()
    print(json.dumps({"benchmark": args.benchmark, **result}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
