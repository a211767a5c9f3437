#!/usr/bin/env python3
"""Search benchmark: SphereGallery beside FAISS, measured alternately in the same run.

For every (d, N): one round runs the peer script (../shared/peers/search_peers.py: FAISS
IndexFlatIP in its three configurations and the fp16 scalar quantiser) and then our
`sphere-gallery-bench search` on the same kind of data (N random unit vectors, k = 10),
and rounds alternate peer/ours so machine drift hits both. Reported: medians over rounds
of each side's median queries/s, and our ratio against FAISS's best configuration at that
point (float32), and against FAISS fp16 for our float16 storage. Then the cold open of a
1M×512 gallery file (ours: a fresh process opens it and loads the matrix) beside the
peer's plain SQLite → numpy load.

  python3 Tools/bench_search.py [--dims 128,512] [--sizes 10000,100000,1000000]
                                [--q 1,16,256] [--rounds 3] [--quick] [--out DIR]
Needs numpy, faiss-cpu, psutil in the interpreter given by --python (make bench sets up
a venv); our binary from `swift build -c release`.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FLAT = ("faiss IndexFlatIP", "faiss IndexFlatIP (blas_threshold=0)", "faiss IndexFlatIP (1 thread)")
FP16 = "faiss IndexScalarQuantizer QT_fp16"


def json_lines(text):
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return rows


def run(cmd, **kw):
    print("#", " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"failed: {' '.join(str(c) for c in cmd)}")
    return json_lines(done.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dims", default="128,512")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--q", default="1,16,256")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5, help="timed runs per point and side, per round")
    ap.add_argument("--quick", action="store_true", help="d=512, N=100k, 1 round: a smoke run")
    ap.add_argument("--python", default=sys.executable, help="interpreter with numpy + faiss-cpu + psutil")
    ap.add_argument("--peers", default=str(ROOT.parent / "shared" / "peers"))
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sphere-gallery-bench"))
    ap.add_argument("--out", default=str(ROOT / "bench-results"))
    ap.add_argument("--no-coldopen", action="store_true")
    ap.add_argument("--no-search", action="store_true", help="only the cold open")
    args = ap.parse_args()
    if args.quick:
        args.dims, args.sizes, args.rounds = "512", "100000", 1
    peers = pathlib.Path(args.peers) / "search_peers.py"
    if not peers.exists():
        raise SystemExit(f"peer script not found: {peers} (the shared folder beside the repo)")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    work.mkdir(exist_ok=True)

    results = []
    for d in [] if args.no_search else [int(x) for x in args.dims.split(",")]:
        for n in [int(x) for x in args.sizes.split(",")]:
            ours, peer = [], []
            for r in range(args.rounds):
                peer += [dict(row, round=r) for row in run(
                    [args.python, peers, "run", "--d", d, "--n", n, "--q", args.q, "--k", 10,
                     "--tools", "flat,flat_blas,flat1t,sq", "--runs", args.runs, "--min-time", 0.5,
                     "--neval", 64, "--workdir", work])]
                ours += [dict(row, round=r) for row in run(
                    [args.bin, "search", "--d", d, "--n", n, "--q", args.q, "--k", 10,
                     "--storage", "f32,f16", "--runs", args.runs, "--min-time", 0.5, "--seed", r])]
            for q in [int(x) for x in args.q.split(",")]:
                def med(rows):
                    return statistics.median(rows) if rows else float("nan")
                per_round_best = []
                for r in range(args.rounds):
                    flat = [p["qps"] for p in peer if p["round"] == r and p["Q"] == q and p["tool"] in FLAT]
                    if flat:
                        per_round_best.append(max(flat))
                best_tool = {}
                for t in FLAT:
                    best_tool[t] = med([p["qps"] for p in peer if p["Q"] == q and p["tool"] == t])
                row = dict(
                    d=d, N=n, Q=q,
                    ours_f32=med([o["qps"] for o in ours if o["q"] == q and o["storage"] == "f32"]),
                    ours_f16=med([o["qps"] for o in ours if o["q"] == q and o["storage"] == "f16"]),
                    f16_recall10=med([o["recall10"] for o in ours if o["q"] == q and o["storage"] == "f16"]),
                    faiss_best=med(per_round_best),
                    faiss_best_config=max(best_tool, key=lambda t: best_tool[t]),
                    faiss_fp16=med([p["qps"] for p in peer if p["Q"] == q and p["tool"] == FP16]),
                    faiss_foreign_cpu=max([p.get("foreign_cpu") or 0 for p in peer if p["Q"] == q] or [0]),
                    ours_foreign_cpu=max([o.get("foreign_cpu") or 0 for o in ours if o["q"] == q] or [0]),
                )
                row["ratio_f32"] = row["ours_f32"] / row["faiss_best"]
                row["ratio_f16_vs_fp16"] = row["ours_f16"] / row["faiss_fp16"]
                results.append(row)
                print(json.dumps(row), flush=True)

    cold = None
    if not args.no_coldopen:
        db = work / "g1m512.sqlite"
        times = []
        for _ in range(3):
            rows = run([args.bin, "coldopen", "--db", db, "--n", 1_000_000, "--d", 512])
            times.append(rows[0]["seconds"])
            file_ratio = rows[0]["file_over_vectors"]
        peer_rows = run([args.python, peers, "run", "--d", 512, "--n", 1_000_000, "--q", 1,
                         "--tools", "coldload", "--runs", 3, "--workdir", work])
        peer_best = min(r["lat_ms"] for r in peer_rows) / 1000 if peer_rows else float("nan")
        cold = dict(ours_s=statistics.median(times), ours_runs=times, file_over_vectors=file_ratio,
                    peer_s=peer_best, ratio=peer_best / statistics.median(times))
        print(json.dumps(dict(coldopen=cold)), flush=True)

    (out / "search.json").write_text(json.dumps(dict(search=results, coldopen=cold), indent=1))
    print()
    print("| d | N | Q | ours f32 q/s | FAISS best q/s (config) | ratio | ours f16 q/s | FAISS fp16 q/s | f16 ratio | f16 recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        cfg = {"faiss IndexFlatIP": "default", "faiss IndexFlatIP (blas_threshold=0)": "BLAS thr. 0",
               "faiss IndexFlatIP (1 thread)": "1 thread"}[r["faiss_best_config"]]
        print(f"| {r['d']} | {r['N']:,} | {r['Q']} | {r['ours_f32']:.1f} | {r['faiss_best']:.1f} ({cfg}) | "
              f"**{r['ratio_f32']:.2f}×** | {r['ours_f16']:.1f} | {r['faiss_fp16']:.1f} | {r['ratio_f16_vs_fp16']:.2f}× | "
              f"{r['f16_recall10']:.4f} |")
    if cold:
        print()
        print(f"cold open of 1M×512: ours {cold['ours_s']:.2f} s (file {cold['file_over_vectors']:.2f}× the vectors), "
              f"plain SQLite → numpy {cold['peer_s']:.2f} s: {cold['ratio']:.2f}× faster")


if __name__ == "__main__":
    main()
