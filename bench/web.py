"""The supporters' page under load: "form posted -> ZIP received", beside the naive path.

Starts gunicorn (two workers, one per core) on the seed workspace, then drives N concurrent
supporters on localhost, each posting the form for a ZIP of their ten letters, for a bounded
number of requests. Prints p50/p95 latency, supporters per second and the servers' resident
memory before and after, for:
- the page as it is (each letter drawn on its authority's shared body);
- the naive path (APPEAL_LETTERS_FULL_LAYOUT=1: each letter laid out in full).

    python bench/web.py [--concurrency 8] [--requests 400] [--naive-requests 40]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPIENTS = [
    "president", "prosecutor-general", "interior-minister", "justice-minister",
    "foreign-minister", "ombudsman", "civil-society-council", "ambassador-un-geneva",
    "ambassador-belgium", "ambassador-council-of-europe",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return total


def workers_of(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def supporter(url: str, number: int) -> tuple[urllib.request.OpenerDirector, bytes]:
    """A browser of its own (cookie jar), with the form's token, and its form body."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(url, timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    fields = [
        ("csrf_token", token), ("name", f"Supporter {number}"),
        ("address1", f"{number} Example Street"), ("town", "Berlin"), ("postcode", "10115"),
        ("country", "DE"), ("email", f"s{number}@example.org"),
    ] + [("recipients", r) for r in RECIPIENTS]  # fmt: skip
    return opener, urllib.parse.urlencode(fields).encode()


def run(label: str, full_layout: bool, concurrency: int, requests: int, workspace: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    environment = {
        **os.environ,
        "APPEAL_LETTERS_WORKSPACE": str(workspace),
        "APPEAL_LETTERS_SECRET_KEY": "bench",
        "APPEAL_LETTERS_RATE_LIMIT": "1000000 per minute",
        "APPEAL_LETTERS_FULL_LAYOUT": "1" if full_layout else "0",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--threads", "1", "--bind", f"127.0.0.1:{port}",
         "--timeout", "120", "appeal_letters.web:create_app()"],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        clients = [supporter(url, n) for n in range(concurrency)]
        for opener, body in clients:  # warm every worker's caches
            opener.open(url + "download/letters.zip", body, timeout=120).read()
        before = rss_kb(workers_of(server.pid))
        latencies: list[float] = []
        lock = threading.Lock()
        remaining = [requests]

        def drive(opener: urllib.request.OpenerDirector, body: bytes) -> None:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                start = time.perf_counter()
                data = opener.open(url + "download/letters.zip", body, timeout=120).read()
                elapsed = time.perf_counter() - start
                assert data[:2] == b"PK", "not a ZIP"
                with lock:
                    latencies.append(elapsed)

        started = time.perf_counter()
        threads = [threading.Thread(target=drive, args=client) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        after = rss_kb(workers_of(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    rate = len(latencies) / wall
    print(
        f"{label:<34} {len(latencies):>5} requests  p50 {statistics.median(latencies) * 1000:6.0f}"
        f" ms  p95 {p95 * 1000:6.0f} ms  {rate:6.1f} supporters/s  RSS {before / 1024:.0f} ->"
        f" {after / 1024:.0f} MB"
    )
    return rate  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--naive-requests", type=int, default=40)
    args = parser.parse_args()
    workspace = Path(tempfile.mkdtemp())
    for name in ("appeal.yaml", "recipients.yaml"):
        shutil.copy(ROOT / name, workspace / name)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, gunicorn 2 workers, "
          f"{args.concurrency} concurrent supporters, 10 letters each")  # fmt: skip
    shared = run("page (shared bodies)", False, args.concurrency, args.requests, workspace)
    naive = run("naive (each letter laid out)", True, args.concurrency, args.naive_requests,
                workspace)  # fmt: skip
    print(f"throughput ratio: {shared / naive:.1f}x the naive path")  # type: ignore[operator]


if __name__ == "__main__":
    main()
