"""Benchmark: the cold latest-of-everything read (ADR 0812).

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_cold_latest.py --store PATH [--runs 5]``.
Each run starts a fresh ``healthgap serve --read-only --no-warm`` (nothing answered before it
listens, no website warmer) on 127.0.0.1, waits until it answers a cheap request, then times
the first ``/v1/values?parent=E12000007&latest=true`` — asked with ``Accept-Encoding: gzip``
(as browsers and httpx ask) and, on a second fresh server, without it — with the server's
CPU seconds for that request, and stops the server. Target: < 100 ms (issue 13).

Prints one markdown table row per encoding for BENCHMARKS.md, with the load average.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SRC = str(Path(__file__).resolve().parents[1] / "src")
CLI = [sys.executable, "-c", "from healthgap.cli.main import app; app()"]
LATEST = "/v1/values?parent=E12000007&latest=true"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _first(store: Path, encoding: str) -> tuple[float, float, int, int]:
    """(seconds, server CPU seconds, bytes on the wire, JSON bytes) of the first latest read
    on a fresh cold server."""
    port = _port()
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [*CLI, "serve", "--store", str(store), "--port", str(port), "--read-only", "--no-warm"],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise SystemExit("server exited")
            try:
                httpx.get(base + "/v1/changelog", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start") from None
                time.sleep(0.3)
        time.sleep(1.0)  # let start-up settle (it is not the request's cost)
        with httpx.Client(timeout=120, headers={"Accept-Encoding": encoding}) as http:
            cpu0 = _cpu(proc.pid)
            t0 = time.perf_counter()
            with http.stream("GET", base + LATEST) as r:
                raw = b"".join(r.iter_raw())
            took = time.perf_counter() - t0
            cpu = _cpu(proc.pid) - cpu0
            r.raise_for_status()
            body = httpx.Response(200, headers=r.headers, content=raw).content
    finally:
        proc.terminate()
        proc.wait(30)
    return took, cpu, len(raw), len(body)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    rows = []
    for encoding in ("gzip", "identity"):
        got = [_first(args.store, encoding) for _ in range(args.runs)]
        ms = sorted(g[0] * 1000 for g in got)
        cpu = sorted(g[1] * 1000 for g in got)
        rows.append(
            f"| {args.label} | `{encoding}` | {', '.join(f'{m:,.0f}' for m in ms)} | "
            f"{ms[len(ms) // 2]:,.0f} | {cpu[len(cpu) // 2]:,.0f} | {got[0][2]:,} / {got[0][3]:,} |"
        )
    load1 = os.getloadavg()[0]
    print(f"load average {load0:.1f} at start, {load1:.1f} at end; nproc {os.cpu_count()}")
    print(
        "| store | Accept-Encoding | first request, ms (sorted) | median ms | median server "
        "CPU ms | bytes sent / JSON |"
    )
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
