#!/usr/bin/env python3
"""The day-one demo on real faces: enrol 100 LFW people, identify held-out photos of them
and photos of people never enrolled, and print what happened with the rates.

  python3 Tools/demo_lfw.py --lfw ../shared/data/lfw/images [--people 100] [--seed 7]

Who is who (seeded, so every run picks the same people):
  enrolled   --people people with at least 4 photos; their first 3 photos (by file name)
             are enrolled, their last photo is held out as a probe (a mated search);
  strangers  --people other people (1 photo each) who are never enrolled (non-mated searches).
Identification runs with the gallery's default threshold (the model's, measured on LFW
View 1) and `--select centre`: LFW photos are cropped around their subject, and some show
bystanders too.
"""
import argparse
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLI = ROOT / ".build" / "release" / "sphere-gallery"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def photos(folder):
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def choose(lfw, count, seed):
    """(enrolled: {name: [enrol paths], probe path}, strangers: [paths]) — seeded, disjoint."""
    people = sorted(p for p in lfw.iterdir() if p.is_dir())
    rng = random.Random(seed)
    many = [p for p in people if len(photos(p)) >= 4]
    if len(many) < count:
        raise SystemExit(f"{lfw}: only {len(many)} people have 4 or more photos; need {count}")
    enrolled = rng.sample(many, count)
    chosen = {p.name for p in enrolled}
    others = [p for p in people if p.name not in chosen]
    strangers = rng.sample(others, count)
    plan = {p.name: (photos(p)[:3], photos(p)[-1]) for p in sorted(enrolled)}
    return plan, [photos(p)[0] for p in sorted(strangers)]


def link(target, source):
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(source.resolve())


def run(cmd, capture=False):
    shown = " ".join(str(c) for c in cmd).replace(str(ROOT) + "/", "")
    print(f"$ {shown}", flush=True)
    done = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE if capture else None, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {shown}")
    return done.stdout


def rate(n, d):
    return f"{n}/{d} ({100.0 * n / d:.1f}%)" if d else "0/0"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lfw", required=True, help="LFW image folder: NAME/NAME_XXXX.jpg")
    ap.add_argument("--people", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", help="keep the work folder (gallery, probes) here instead of a temporary one")
    a = ap.parse_args()
    lfw = pathlib.Path(a.lfw)
    plan, strangers = choose(lfw, a.people, a.seed)

    with tempfile.TemporaryDirectory(prefix="sphere-gallery-demo.") as tmp:
        work = pathlib.Path(a.keep) if a.keep else pathlib.Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name, (enrol, probe) in plan.items():
            for f in enrol:
                link(work / "people" / name / f.name, f)
            link(work / "probes" / "mated" / probe.name, probe)
        for f in strangers:
            link(work / "probes" / "strangers" / f.name, f)
        db = work / "gallery.sqlite"
        if db.exists():
            db.unlink()

        print(f"== enrol {len(plan)} LFW people, 3 photos each (the default model: dlib-resnet)")
        run([CLI, "enrol", "--db", db, "--select", "centre", work / "people"])
        run([CLI, "stats", "--db", db])
        print()
        print(f"== identify {len(plan)} held-out photos of enrolled people and {len(strangers)} photos of strangers")
        out = run([CLI, "identify", "--db", db, "--select", "centre", "--top-k", "3", "--json",
                   work / "probes" / "mated", work / "probes" / "strangers"], capture=True)
        results = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        threshold = json.loads(run([CLI, "stats", "--db", db, "--json"], capture=True)).get("threshold")

    truth = {probe.name: name for name, (_, probe) in plan.items()}
    stranger_files = {f.name for f in strangers}
    rows, tally = [], dict(right=0, wrong=0, missed=0, mated_noface=0, rejected=0, accepted=0, stranger_noface=0)
    for r in results:
        file = pathlib.Path(r["image"]).name
        face = (r.get("faces") or [None])[0]
        decision = face["decision"] if face else "no-face"
        best = ((face or {}).get("candidates") or [{}])[0]
        if file in truth:
            want = truth[file]
            if decision == "no-face":
                outcome = "no face found"; tally["mated_noface"] += 1
            elif decision == want:
                outcome = "right"; tally["right"] += 1
            elif decision == "unknown":
                outcome = "missed (below threshold)" + (", best was right" if best.get("identity") == want else "")
                tally["missed"] += 1
            else:
                outcome = f"WRONG (is {want})"; tally["wrong"] += 1
        elif file in stranger_files:
            if decision == "no-face":
                outcome = "no face found"; tally["stranger_noface"] += 1
            elif decision == "unknown":
                outcome = "right (unknown)"; tally["rejected"] += 1
            else:
                outcome = "FALSE MATCH (never enrolled)"; tally["accepted"] += 1
        else:
            continue
        rows.append((file, decision, best.get("identity", ""), best.get("cosine"), best.get("angle"), outcome))

    print()
    shown = rows[:6] + [None] + rows[len(truth):len(truth) + 6] + [None]
    shown += [r for r in rows if r[-1].startswith(("WRONG", "FALSE", "missed", "no face"))]
    print(f"{'probe photo':40} {'decision':36} {'cosine':>7} {'angle':>6}  outcome")
    print("-" * 110)
    for r in shown:
        if r is None:
            print("...")
            continue
        file, decision, best, cos, angle, outcome = r
        cos_s = f"{cos:.4f}" if cos is not None else "-"
        angle_s = f"{angle:.1f}°" if angle is not None else "-"
        label = decision if decision != "unknown" else f"unknown (best {best})"
        print(f"{file:40} {label[:36]:36} {cos_s:>7} {angle_s:>6}  {outcome}")
    print()
    mated = len(truth)
    print(f"threshold (cosine): {threshold}")
    print(f"enrolled people, held-out photo: identified {rate(tally['right'], mated)}, "
          f"missed {rate(tally['missed'], mated)}, wrong person {rate(tally['wrong'], mated)}, "
          f"no face {rate(tally['mated_noface'], mated)}")
    print(f"never-enrolled people:           rejected as unknown {rate(tally['rejected'], len(strangers))}, "
          f"falsely matched {rate(tally['accepted'], len(strangers))}, no face {rate(tally['stranger_noface'], len(strangers))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
