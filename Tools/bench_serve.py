#!/usr/bin/env python3
"""`make bench-serve`: `sphere-gallery serve` beside face_recognition behind Flask + gunicorn
(../shared/peers/fr_service.py), driven by the same load tool (../shared/peers/load_identify.py).

1. Photo identify: the same LFW set (300 people, 3 photos each enrolled; 100 known and 100
   unknown probes), each server over its own gallery of those photos, at concurrency 1, 4, 16,
   in --rounds rounds (3), each ours then the peer. Prints both servers' req/s and latency per
   round and the ratios the service is held to, as the median and each round's value:
   throughput at 16 (ours ÷ peer, goal ≥ 4) and p50, p99 at 1 (ours ÷ peer, goal ≤ 1/3); and
   whether our decisions equal the CLI's (`sphere-gallery identify --json`) on the same probes.
2. Vector identify on a 1M×512 gallery of random unit vectors, 64 clients, 1 vector per
   request: the same server with coalescing on and off (goal: on ≥ 5× off, p99 < 250 ms).

Servers bind 127.0.0.1 only; every run is bounded in requests and time. The figures depend on
the machine being quiet: `other_cpu` in the load tool's output says how much other work ran.
Everything built once (sets, galleries) is kept in --work and reused.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port, path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} not ready after {timeout} s")


class OurServer:
    def __init__(self, a, db, *extra):
        self.a, self.db, self.extra = a, db, list(extra)

    def __enter__(self):
        self.port = free_port()
        self.p = subprocess.Popen([self.a.bin, "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(self.port),
                                   *self.extra], stderr=subprocess.DEVNULL)
        wait_http(self.port, "/readyz", 600)
        return self

    def __exit__(self, *exc):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=60)


def key_for(a, db):
    name = f"bench-{int(time.time() * 1000)}"
    return subprocess.run([a.bin, "keys", "create", "--db", db, "--name", name, "--scope", "identify"],
                          check=True, capture_output=True, text=True).stdout.strip()


def load(a, port, key, pid, label, out):
    cmd = [sys.executable, os.path.join(a.peers, "load_identify.py"), "--url", f"http://127.0.0.1:{port}",
           "--api-key", key, "--images", os.path.join(a.work, "set", "probes.tsv"), "--concurrency", a.concurrency,
           "--requests", str(a.requests), "--warmup", str(a.warmup), "--timeout", "60", "--deadline", str(a.deadline),
           "--server-pid", str(pid), "--label", label, "--json", out]
    subprocess.run(cmd)  # exit 1 on request errors: the JSON says which
    with open(out) as f:
        return json.load(f)


def photo_benchmark(a):
    set_dir = os.path.join(a.work, "set")
    if not os.path.exists(os.path.join(set_dir, "probes.tsv")):
        run([sys.executable, os.path.join(a.peers, "load_identify.py"), "--make-lfw-set", a.lfw, "--out", set_dir])
    ours_db = os.path.join(a.work, "ours.sqlite")
    if not os.path.exists(ours_db):
        run([a.bin, "enrol", "--db", ours_db, "--select", "largest", os.path.join(set_dir, "enrol")],
            stdout=subprocess.DEVNULL)
    npz = os.path.join(set_dir, "gallery.npz")
    if not os.path.exists(npz):
        run([a.fr_python, os.path.join(a.peers, "fr_service.py"), "--gallery", npz, "--build-gallery",
             os.path.join(set_dir, "enrol"), "--processes", "2"], stdout=subprocess.DEVNULL)

    key = key_for(a, ours_db)
    rounds = []
    for r in range(1, a.rounds + 1):
        print(f"# round {r} of {a.rounds}: ours, then the peer", file=sys.stderr, flush=True)
        with OurServer(a, ours_db) as server:
            ours = load(a, server.port, key, server.p.pid, "sphere-gallery serve", os.path.join(a.work, f"ours-{r}.json"))
        theirs = peer_load(a, npz, os.path.join(a.work, f"peer-{r}.json"))
        rounds.append((ours, theirs))
    report_photo_rounds(rounds)
    compare_with_cli(a, ours_db, [ours for ours, _ in rounds])


def report_photo_rounds(rounds):
    """Both servers' figures per round, then each goal's ratio: its median and every round's value."""
    print("\nphoto identify (LFW: 300 people × 3 photos enrolled; probes 100 known + 100 unknown)")
    print(f"{'round':>5} {'server':<28} {'conc':>4} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'right':>5} {'other_cpu':>9}")
    for r, pair in enumerate(rounds, 1):
        for name, result in zip(("sphere-gallery serve", "face_recognition+gunicorn"), pair):
            for level in result["levels"]:
                lat = level["latency_ms"]
                print(f"{r:>5} {name:<28} {level['concurrency']:>4} {level['throughput_rps'] or 0:>7.2f} {lat['p50'] or 0:>8.1f} "
                      f"{lat['p99'] or 0:>8.1f} {level['correctness']['right']:>5} {level.get('other_cpu', '-')!s:>9}")
    by = lambda result: {lv["concurrency"]: lv for lv in result["levels"]}
    levels = [lv["concurrency"] for lv in rounds[0][0]["levels"]]
    top, low = max(levels), min(levels)
    measures = [(f"throughput at {top}", lambda o, t: o[top]["throughput_rps"] / t[top]["throughput_rps"], "≥ 4")]
    measures += [(f"{p} at {low}", lambda o, t, p=p: o[low]["latency_ms"][p] / t[low]["latency_ms"][p], "≤ 0.33")
                 for p in ("p50", "p99")]
    print(f"\nours ÷ the peer's, median of {len(rounds)} alternating rounds (each round's ratio)")
    for name, ratio, goal in measures:
        values = []
        for ours, theirs in rounds:
            try:
                values.append(ratio(by(ours), by(theirs)))
            except (KeyError, TypeError, ZeroDivisionError):
                pass
        if values:
            each = " ".join(f"{v:.2f}" for v in values)
            print(f"{name}: {statistics.median(values):.2f}× ({each}; goal {goal})")


def peer_load(a, npz, out):
    """face_recognition behind gunicorn (2 workers), started for one load run."""
    peer_key = "peer-" + str(random.getrandbits(64))
    port = free_port()
    gunicorn = os.path.join(os.path.dirname(a.fr_python), "gunicorn")
    peer = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket", "--pythonpath", a.peers,
                             f'fr_service:create_app(gallery="{npz}", api_key="{peer_key}")'], stderr=subprocess.DEVNULL)
    try:
        wait_http(port, "/healthz", 120)
        return load(a, port, peer_key, peer.pid, "face_recognition + gunicorn", out)
    finally:
        peer.send_signal(signal.SIGTERM)
        peer.wait(timeout=60)


def compare_with_cli(a, db, runs):
    """The largest face's decision of each probe: the server's answers in each run against `identify --json`."""
    probes = [line.split("\t")[0] for line in open(os.path.join(a.work, "set", "probes.tsv")) if line.strip() and not line.startswith("#")]
    base = os.path.join(a.work, "set")
    paths = [p if os.path.isabs(p) else os.path.join(base, p) for p in probes]
    out = subprocess.run([a.bin, "identify", "--db", db, "--top-k", "1", "--json", *paths],
                         check=True, capture_output=True, text=True).stdout
    cli = {}
    for line in out.splitlines():
        r = json.loads(line)
        faces = r.get("faces") or []
        if faces:
            big = max(faces, key=lambda f: (f["box"][2] - f["box"][0]) * (f["box"][3] - f["box"][1]))
            cli[r["image"]] = big["decision"]
        else:
            cli[r["image"]] = None
    for n, ours in enumerate(runs, 1):
        served = {}
        for recs in ours["requests"].values():
            for r in recs:
                if r.get("error") is None:
                    served[r["file"]] = r.get("decision")
        same = sum(1 for f, d in served.items() if cli.get(f if os.path.isabs(f) else os.path.join(base, f), "?") == d)
        print(f"round {n}: decisions equal to the CLI's: {same} of {len(served)} answered probes")


def vector_benchmark(a):
    db = os.path.join(a.work, f"vectors-{a.vector_rows}x512.sqlite")
    if not os.path.exists(db):
        run([a.bench_bin, "coldopen", "--db", db, "--n", str(a.vector_rows), "--d", "512"], stdout=subprocess.DEVNULL)
    key = key_for(a, db)
    rng = random.Random(1)
    bodies = []
    for _ in range(256):
        v = [rng.gauss(0, 1) for _ in range(512)]
        bodies.append(json.dumps({"vectors": [v], "top_k": 5}).encode())
    print(f"\nvector identify ({a.vector_rows:,}×512, {a.clients} clients, 1 vector per request)")
    print(f"{'coalescing':<10} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    rates = {}
    for mode in ("on", "off"):
        with OurServer(a, db, "--coalesce" if mode == "on" else "--no-coalesce", "--timeout", "120") as server:
            vector_load(server.port, key, bodies, a.clients, a.clients, a.deadline)  # untimed: every client's first request
            result = vector_load(server.port, key, bodies, a.clients, a.vector_requests, a.deadline)
        rates[mode] = result
        print(f"{mode:<10} {result['requests']:>8} {result['errors']:>6} {result['rps']:>8.1f} {result['p50']:>8.1f} {result['p99']:>8.1f}")
    if rates["off"]["rps"]:
        print(f"coalescing on ÷ off: {rates['on']['rps'] / rates['off']['rps']:.2f}× (goal ≥ 5); "
              f"p99 with coalescing {rates['on']['p99']:.0f} ms (goal < 250)")


def vector_load(port, key, bodies, clients, requests, deadline_s):
    """`requests` POSTs of /v1/identify/vectors from `clients` threads with kept-alive connections."""
    lock = threading.Lock()
    counter = {"next": 0}
    latencies, errors = [], [0]
    deadline = time.monotonic() + deadline_s
    headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < deadline:
            with lock:
                i = counter["next"]
                counter["next"] += 1
            if i >= requests:
                break
            t0 = time.perf_counter()
            try:
                c.request("POST", "/v1/identify/vectors", body=bodies[i % len(bodies)], headers=headers)
                r = c.getresponse()
                r.read()
                ok = r.status == 200
            except OSError:
                ok = False
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if ok:
                    latencies.append(ms)
                else:
                    errors[0] += 1
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=deadline_s + 130)
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    pick = lambda q: lat[min(len(lat) - 1, max(0, int(round(q / 100 * len(lat) + 0.5)) - 1))] if lat else 0.0
    return {"requests": len(lat) + errors[0], "errors": errors[0], "rps": len(lat) / wall if wall else 0.0,
            "p50": pick(50), "p99": pick(99)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "sphere-gallery"))
    ap.add_argument("--bench-bin", default=os.path.join(ROOT, ".build", "release", "sphere-gallery-bench"))
    ap.add_argument("--fr-python", required=True, help="python of a venv with face_recognition, flask, gunicorn")
    ap.add_argument("--peers", default=os.path.join(ROOT, "..", "shared", "peers"))
    ap.add_argument("--lfw", default=os.path.join(ROOT, "..", "shared", "data", "lfw", "images"))
    ap.add_argument("--work", default=os.path.join(ROOT, "bench-results", "serve"))
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--requests", type=int, default=200, help="timed photo requests per level (200 = every probe once)")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="photo rounds, each ours then the peer; medians and each round's ratio")
    ap.add_argument("--deadline", type=float, default=900, help="seconds for each load run at most")
    ap.add_argument("--vector-rows", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--vector-requests", type=int, default=1280)
    ap.add_argument("--skip", choices=["photos", "vectors"], action="append", default=[])
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", file=sys.stderr)
    if "photos" not in a.skip:
        photo_benchmark(a)
    if "vectors" not in a.skip:
        vector_benchmark(a)


if __name__ == "__main__":
    main()
