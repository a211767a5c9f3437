#!/usr/bin/env python3
"""Two builds of sphere-gallery-bench side by side: the same `search` points run by each in
turn, round after round, so machine drift hits both; reports each side's median queries/s
and the ratio B/A per point.

  python3 Tools/bench_ab.py A_BIN B_BIN [--dims 128,512] [--sizes 100000,1000000]
                            [--q 1,16,256] [--storage f32,f16] [--rounds 3]
Use it to check that a change to the kernels or the build settings costs nothing: copy the
old binary aside, rebuild, and pass both.
"""
import argparse
import json
import statistics
import subprocess


def search(binary, d, n, q, storage, runs):
    done = subprocess.run([binary, "search", "--d", str(d), "--n", str(n), "--q", q, "--storage", storage,
                           "--runs", str(runs)], capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {(r["storage"], r["q"]): r["qps"] for r in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--dims", default="128,512")
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--q", default="1,16,256")
    ap.add_argument("--storage", default="f32,f16")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"{'d':>4} {'N':>8} {'st':>4} {'Q':>4} {'A q/s':>9} {'B q/s':>9} {'B/A':>6}")
    for d in [int(x) for x in args.dims.split(",")]:
        for n in [int(x) for x in args.sizes.split(",")]:
            samples = {"a": {}, "b": {}}
            for _ in range(args.rounds):
                for side in ("a", "b"):
                    for key, qps in search(getattr(args, side), d, n, args.q, args.storage, args.runs).items():
                        samples[side].setdefault(key, []).append(qps)
            for key in sorted(samples["a"]):
                a, b = statistics.median(samples["a"][key]), statistics.median(samples["b"][key])
                print(f"{d:>4} {n:>8} {key[0]:>4} {key[1]:>4} {a:>9.1f} {b:>9.1f} {b / a:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
