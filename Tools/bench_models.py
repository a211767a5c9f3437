#!/usr/bin/env python3
"""Network benchmarks beside the peers, measured alternately in the same run.

  sphere   sphere20a inference at batch 1/16/64 and sphere64a at 16, vs PyTorch CPU
           (../shared/peers/torch_sphere.py, 2 threads)
  train    sphere20a A-Softmax training step (forward + loss + backward + SGD step) at
           batch 32 with 1,000 and 10,572 classes, vs PyTorch CPU (torch_sphere.py --mode train)
  mtcnn    MTCNN detection on 200 LFW images (250×250) and on the same pasted onto 1280×720,
           vs facenet-pytorch (torch_mtcnn.py); ours as one stream and one detector per core
  dlib     dlib-resnet descriptors on the 24 test chips at batch 1 and 16, vs dlib itself
           with two processes (dlib_peer.py --mode descriptor)
  enrol    end-to-end enrolment of 1,000 LFW images (decode → detect → align → embed →
           store) vs dlib's pipeline with two processes (dlib_peer.py --mode pipeline)
  identify one photo against a 100,000-template gallery (33,334 synthetic identities of
           dlib-resnet's 128 dimensions plus one real person): the whole `sphere-gallery identify`
           process (open, decode, detect, align, embed, search), and its parts: open + search
           of one vector (`identify --vectors`); beside dlib's pipeline on one image (1 process)

  python3 Tools/bench_models.py [--only sphere,train,mtcnn,dlib,enrol,identify] [--rounds 3]
      --torch-python VENV/bin/python --dlib-python VENV/bin/python
Each peer/ours pair is run --rounds times alternately; medians are reported with ratios.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(os.environ.get("SPHERE_GALLERY_SHARED", ROOT.parent / "shared"))
PEERS = SHARED / "peers"
LFW = SHARED / "data" / "lfw" / "images"
BENCH = ROOT / ".build" / "release" / "sphere-gallery-bench"
CLI = ROOT / ".build" / "release" / "sphere-gallery"
CACHE = pathlib.Path(os.environ.get("SPHERE_GALLERY_CACHE", pathlib.Path.home() / ".cache" / "sphere-gallery"))


def json_lines(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def run(cmd, **kw):
    print("#", " ".join(map(str, cmd)), file=sys.stderr, flush=True)
    done = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, **kw)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"failed: {cmd}")
    return json_lines(done.stdout), done.stdout


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def bench_sphere(a, rows):
    points = [("sphere20a", 1), ("sphere20a", 16), ("sphere20a", 64), ("sphere64a", 16)]
    for net, batch in points:
        ours, peer = [], []
        for _ in range(a.rounds):
            p, _ = run([a.torch_python, PEERS / "torch_sphere.py", "--net", net, "--mode", "infer", "--batch", batch,
                        "--threads", 2, "--runs", 5, "--warmup", 2, "--json"])
            peer.append(p[0]["images_per_s"])
            o, _ = run([BENCH, "sphere", "--net", net, "--batch", batch, "--runs", 5, "--warmup", 2])
            ours.append(o[0]["images_per_s"])
        rows.append(dict(bench=f"{net} inference, batch {batch}", ours=med(ours), peer=med(peer), peer_name="PyTorch CPU",
                         ours_rounds=ours, peer_rounds=peer))


def bench_train(a, rows):
    classes = [int(c) for c in a.train_classes.split(",")]
    for c in classes:
        ours, peer = [], []
        for _ in range(a.rounds):
            p, _ = run([a.torch_python, PEERS / "torch_sphere.py", "--net", "sphere20a", "--mode", "train", "--batch", a.train_batch,
                        "--classes", c, "--threads", 2, "--runs", a.train_runs, "--warmup", 1, "--json"])
            peer.append(p[0]["images_per_s"])
            o, _ = run([BENCH, "train", "--net", "sphere20a", "--batch", a.train_batch, "--classes", c,
                        "--runs", a.train_runs, "--warmup", 1])
            ours.append(o[0]["images_per_s"])
        rows.append(dict(bench=f"sphere20a training step, batch {a.train_batch}, {c:,} classes", ours=med(ours), peer=med(peer),
                         peer_name="PyTorch CPU", ours_rounds=ours, peer_rounds=peer))


def bench_mtcnn(a, rows):
    _, listing = run([a.torch_python, PEERS / "torch_mtcnn.py", "--images", LFW, "--limit", 200, "--list"])
    files = [l for l in listing.splitlines() if l.strip() and not l.startswith("#") and os.path.exists(l.strip())]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(files) + "\n")
        listfile = f.name
    for size in (None, "1280x720"):
        ours, ours_par, peer = [], [], []
        for _ in range(a.rounds):
            cmd = [a.torch_python, PEERS / "torch_mtcnn.py", "--images", LFW, "--limit", 200, "--threads", 2, "--json"]
            if size:
                cmd += ["--size", size]
            p, _ = run(cmd)
            peer.append(p[0]["images_per_s"])
            cmd = [BENCH, "detect", "--list", listfile, "--runs", 1]
            if size:
                cmd += ["--size", size]
            o, _ = run(cmd)
            ours.append(o[0]["images_per_s"])
            ours_par.append(o[0]["images_per_s_per_core_detectors"])
        label = f"MTCNN, {len(files)} LFW images" + (f" on {size}" if size else " (250×250)")
        rows.append(dict(bench=label + ", one stream", ours=med(ours), peer=med(peer), peer_name="facenet-pytorch",
                         ours_rounds=ours, peer_rounds=peer))
        rows.append(dict(bench=label + ", one detector per core", ours=med(ours_par), peer=med(peer),
                         peer_name="facenet-pytorch", ours_rounds=ours_par, peer_rounds=peer))


def dlib_models():
    d = CACHE / "sources"
    if (d / "dlib_face_recognition_resnet_model_v1.dat").exists():
        return d
    raise SystemExit(f"dlib model files not found in {d}: run make models")


def bench_dlib(a, rows):
    chips = SHARED / "testvectors" / "dlib" / "chips"
    peer, ours = [], {1: [], 16: []}
    for _ in range(a.rounds):
        p, _ = run([a.dlib_python, PEERS / "dlib_peer.py", "--models", dlib_models(), "--mode", "descriptor",
                    "--chips", chips, "--processes", 2, "--repeat", 4, "--json"])
        peer.append(p[0]["images_per_s"])
        o, _ = run([BENCH, "dlib", "--chips", chips, "--batch", "1,16", "--repeat-count", 4])
        for r in o:
            ours[r["batch"]].append(r["images_per_s"])
    for b in (1, 16):
        rows.append(dict(bench=f"dlib-resnet descriptors, batch {b}", ours=med(ours[b]), peer=med(peer),
                         peer_name="dlib, 2 processes", ours_rounds=ours[b], peer_rounds=peer))


def bench_enrol(a, rows):
    _, listing = run([a.dlib_python, PEERS / "dlib_peer.py", "--models", dlib_models(), "--mode", "pipeline",
                      "--images", LFW, "--limit", 1000, "--list"])
    files = [l.strip() for l in listing.splitlines() if l.strip() and not l.startswith("#") and os.path.exists(l.strip())]
    ours, peer = [], []
    for _ in range(a.rounds):
        p, _ = run([a.dlib_python, PEERS / "dlib_peer.py", "--models", dlib_models(), "--mode", "pipeline",
                    "--images", LFW, "--limit", 1000, "--processes", 2, "--json"])
        peer.append(p[0]["images_per_s"])
        with tempfile.TemporaryDirectory() as work:
            people = pathlib.Path(work) / "people"
            for f in files:
                person = people / pathlib.Path(f).parent.name
                person.mkdir(parents=True, exist_ok=True)
                (person / pathlib.Path(f).name).symlink_to(f)
            t0 = time.perf_counter()
            run([CLI, "enrol", "--db", pathlib.Path(work) / "g.sqlite", people, "--json"])
            ours.append(len(files) / (time.perf_counter() - t0))
    rows.append(dict(bench=f"enrolment end to end, {len(files)} LFW images", ours=med(ours), peer=med(peer),
                     peer_name="dlib pipeline, 2 processes", ours_rounds=ours, peer_rounds=peer))


def bench_identify(a, rows):
    photo = LFW / "Colin_Powell" / "Colin_Powell_0003.jpg"
    enrolled = [LFW / "Colin_Powell" / f"Colin_Powell_000{i}.jpg" for i in (1, 2)]
    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        db = work / "g.sqlite"
        run([CLI, "synth", "--identities", 33333, "--templates", 3, "--mated", 0, "--nonmated", 1,
             "--dim", 128, "--gallery", work / "g.jsonl", "--probes", work / "p.jsonl"])
        run([CLI, "init", "--db", db, "--model", "dlib-resnet", "--dim", 128])
        run([CLI, "import", "--db", db, work / "g.jsonl", "--json"])
        run([CLI, "enrol", "--db", db, "--identity", "Colin_Powell", *enrolled, "--json"])
        (work / "people" / "x").mkdir(parents=True)
        (work / "people" / "x" / photo.name).symlink_to(photo)
        whole, search = [], []
        for _ in range(max(5, a.rounds)):
            t0 = time.perf_counter()
            out, _ = run([CLI, "identify", "--db", db, photo, "--json"])
            whole.append(time.perf_counter() - t0)
            assert out and out[0]["decision"] == "Colin_Powell", out
            t0 = time.perf_counter()
            run([CLI, "identify", "--db", db, "--vectors", work / "p.jsonl", "--json"])
            search.append(time.perf_counter() - t0)
        peer = []
        for _ in range(max(5, a.rounds)):
            p, _ = run([a.dlib_python, PEERS / "dlib_peer.py", "--models", dlib_models(), "--mode", "pipeline",
                        "--images", work / "people", "--processes", 1, "--repeat", 5, "--json"])
            peer.append(1.0 / p[0]["images_per_s"])
    ms = lambda xs: 1000.0 * med(xs)
    rows.append(dict(bench="identify 1 photo vs 100k templates, whole process (ms)", ours=ms(whole), peer=ms(peer),
                     peer_name="dlib pipeline on 1 image, no search (ms)", lower_is_better=True))
    rows.append(dict(bench="  of which open 100k×128 + search 1 vector (ms)", ours=ms(search), peer=float("nan"),
                     peer_name="-", lower_is_better=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="sphere,train,mtcnn,dlib,enrol,identify")
    ap.add_argument("--train-classes", default="1000,10572", help="train: class counts of the A-Softmax head")
    ap.add_argument("--train-batch", type=int, default=32)
    ap.add_argument("--train-runs", type=int, default=5, help="train: timed steps per measurement")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--torch-python", default=str(ROOT / ".venv-torch" / "bin" / "python"))
    ap.add_argument("--dlib-python", default=str(ROOT / ".venv-dlib" / "bin" / "python"))
    ap.add_argument("--out", default=str(ROOT / "bench-results"))
    a = ap.parse_args()
    rows = []
    for name in a.only.split(","):
        {"sphere": bench_sphere, "train": bench_train, "mtcnn": bench_mtcnn, "dlib": bench_dlib, "enrol": bench_enrol,
         "identify": bench_identify}[name](a, rows)
        print(json.dumps(rows[-1]), flush=True)
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "models.json").write_text(json.dumps(rows, indent=1))
    print()
    print("| benchmark | ours | peer | peer's | ratio (higher = ours better) | ratio per round |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["peer"] / r["ours"] if r.get("lower_is_better") else r["ours"] / r["peer"]
        ratio_s = f"**{ratio:.2f}×**" if ratio == ratio else "-"
        print(f"| {r['bench']} | {r['ours']:.1f} | {r['peer_name']} | {r['peer']:.1f} | {ratio_s} | {round_ratios(r)} |")


def round_ratios(row):
    """The ratio of each round (ours and the peer measured back to back), lowest to highest."""
    pairs = zip(row.get("ours_rounds", []), row.get("peer_rounds", []))
    ratios = sorted(o / p for o, p in pairs if o is not None and p)
    return " ".join(f"{x:.2f}" for x in ratios) or "-"


if __name__ == "__main__":
    main()
