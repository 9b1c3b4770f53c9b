"""Closed-loop measures with wrk: C connections, each sending its next request once answered.

Used by bench/web_bench.py; where the machine's processor time went is sampled meanwhile.
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from bench.web_setup import CLAIMS_PATH, FLOOR_PATH

LUA_DONE = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors": %d, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errors, summary.errors.status, summary.errors.timeout))
end
"""

LUA_CLAIMS = r"""
local tokens = {%(tokens)s}
local counter = 0
local threads = {}

-- setup runs in the main Lua state; thread:set defines the global `thread_id` in each thread's own state.
setup = function(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

request = function()
  counter = counter + 1
  local token = tokens[(counter + thread_id * 7919) %% #tokens + 1]
  local key = string.format("bench-%%s-%%d-%%d", "%(run)s", thread_id, counter)
  local body = string.format(
    '{"care_date": "%(care_date)s", "prescriber_inpe": "101234567", "lines": [' ..
    '{"kind": "acte", "cotation": "Cs", "paid": "%%d.00"}, {"kind": "acte", "cotation": "B 60", "paid": "66.00"}]}',
    150 + counter %% 500)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Token " .. token
  headers["Idempotency-Key"] = key
  return wrk.format("POST", "%(path)s", headers, body)
end
"""


def wrk(args, url: str, script: Path, duration: int, server: subprocess.Popen | None = None) -> dict:
    """One wrk measure. With the server given, also where the machine's processor time went: per
    request, in gunicorn's processes, in the PostgreSQL backends serving them and in wrk itself,
    and how busy the processors were (a measure whose connections all landed in one gunicorn
    process leaves a core idle: about 50 % busy instead of 95-100 %)."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-s", str(script), url]
    if server is None:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    else:
        output, spent = _measured(command, server, args.database)
    line = next(row for row in output.splitlines() if row.startswith("WRK_RESULT "))
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    seconds = raw["duration_us"] / 1e6
    result = {"requetes": raw["requests"], "debit_req_s": round(raw["requests"] / seconds, 1),
              "p50_ms": round(raw["p50_us"] / 1000, 2), "p90_ms": round(raw["p90_us"] / 1000, 2),
              "p99_ms": round(raw["p99_us"] / 1000, 2), "max_ms": round(raw["max_us"] / 1000, 1),
              "erreurs": raw["errors"], "reponses_non_2xx": raw["status_errors"], "delais_depasses": raw["timeouts"]}
    if server is not None and raw["requests"]:
        busy = spent.pop("machine_occupee_pct")
        result["temps_processeur_ms_par_requete"] = {part: round(cpu / raw["requests"] * 1000, 3)
                                                     for part, cpu in spent.items()}
        result["processeurs_occupes_pct"] = busy
    return result


def _measured(command: list[str], server: subprocess.Popen, database: str) -> tuple[str, dict]:
    """Run wrk while support.CpuMeter samples gunicorn's processes and the PostgreSQL backends of
    their connections (application_name bench-gunicorn; gunicorn renews a connection older than
    CONN_MAX_AGE, and a backend that starts during the measure counts whole). wrk's own time comes
    from this process's children usage; the machine's busy share from /proc/stat."""
    import resource

    from bench import support

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    meter = support.CpuMeter(worker_pgids={"gunicorn": server.pid}, database=database)
    meter.sample()
    before, wrk_before, ticks_before = meter.groups_now(), children(), _ticks()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        while proc.poll() is None:
            meter.maybe_sample()
            time.sleep(meter.SAMPLE_SECONDS)
        output = proc.stdout.read()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, command, output)
    meter.sample()
    after = meter.groups_now()
    busy, idle = (end - start for end, start in zip(_ticks(), ticks_before, strict=True))
    spent = {part: after.get(group, 0.0) - before.get(group, 0.0)
             for part, group in (("gunicorn", "gunicorn"), ("postgresql", "sql_gunicorn"))}
    return output, {**spent, "wrk": children() - wrk_before,
                    "machine_occupee_pct": round(100 * busy / (busy + idle), 1) if busy + idle else None}


def _ticks() -> tuple[int, int]:
    """The machine's busy and idle ticks so far (/proc/stat's first line: cpu user nice system idle
    iowait irq softirq steal …)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks[:3]) + sum(ticks[5:8]), ticks[3] + ticks[4]


def scripts(folder: Path, tokens: list[str], run_id: str, care_date: str) -> dict[str, Path]:
    """The Lua scripts of each measure: claims (and their warm-up, keys of another run id), the
    durable floor (same bodies, same tokens, keys "floor-…"), the ping."""
    found = {}
    for name, path, run in (("claims", CLAIMS_PATH, run_id), ("claims-warmup", CLAIMS_PATH, run_id + "w"),
                            ("floor", FLOOR_PATH, "f" + run_id), ("floor-warmup", FLOOR_PATH, "f" + run_id + "w")):
        found[name] = folder / f"{name}.lua"
        found[name].write_text(LUA_CLAIMS % {"tokens": ",".join(f'"{t}"' for t in tokens), "run": run,
                                             "care_date": care_date, "path": path} + LUA_DONE)
    found["ping"] = folder / "ping.lua"
    found["ping"].write_text(LUA_DONE)
    return found
