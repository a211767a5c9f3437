#!/usr/bin/env python3
"""Measure a model's default open-set threshold on LFW View 1 (never View 2).

  python3 Tools/measure_thresholds.py --lfw ../shared/data/lfw [--model dlib-resnet] [--per-person 2]

Enrols up to --per-person photos of every person in View 1's training people
(peopleDevTrain.txt) through the real pipeline (`sphere-gallery enrol --select centre`),
exports the unit vectors, and scores every pair of photos: pairs of one person are genuine,
pairs of two people are impostors (5,222 photos give ~13.6 M impostor pairs, enough for a
false-accept rate of 1e-5). Prints, per 1:1 false-accept rate (FAR), the cosine threshold and
the genuine-accept rate (TAR) there, as JSON.

Why a FAR and not the best-accuracy threshold: a 1:N search compares a stranger with every
template, so the chance that some template passes grows with the gallery. With a per-pair FAR f
and N independent templates the false-positive identification rate is about 1 − (1 − f)^N;
at f = 1e-4 and 300 templates that is ~3%, at the best-accuracy threshold (f ~ 1e-2) ~95%.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLI = ROOT / ".build" / "release" / "sphere-gallery"


def view1_people(lfw, per_person):
    lines = (lfw / "peopleDevTrain.txt").read_text().split("\n")[1:]
    chosen = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2:
            continue
        name, count = parts[0], int(parts[1])
        chosen[name] = [lfw / "images" / name / f"{name}_{i:04d}.jpg" for i in range(1, min(count, per_person) + 1)]
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lfw", required=True, help="LFW folder with peopleDevTrain.txt and images/")
    ap.add_argument("--model", default="dlib-resnet")
    ap.add_argument("--per-person", type=int, default=2)
    ap.add_argument("--fars", default="1e-2,1e-3,1e-4,1e-5")
    ap.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more enrol options, e.g. --landmarks dlib5")
    a = ap.parse_args()
    lfw = pathlib.Path(a.lfw)
    people = view1_people(lfw, a.per_person)

    with tempfile.TemporaryDirectory(prefix="sphere-gallery-thresholds.") as tmp:
        work = pathlib.Path(tmp)
        for name, files in people.items():
            (work / "people" / name).mkdir(parents=True)
            for f in files:
                (work / "people" / name / f.name).symlink_to(f.resolve())
        db = work / "view1.sqlite"
        subprocess.run([str(CLI), "enrol", "--db", str(db), "--model", a.model, "--select", "centre",
                        "--report", str(work / "report.jsonl"), str(work / "people")] + a.extra, check=True,
                       stdout=sys.stderr)
        subprocess.run([str(CLI), "export", "--db", str(db), "--npy", str(work / "v.npy"),
                        "--labels", str(work / "labels.txt")], check=True)
        vectors = np.load(work / "v.npy").astype(np.float64)
        labels = np.array((work / "labels.txt").read_text().split("\n")[: len(vectors)])

    scores = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), k=1)
    same = (labels[:, None] == labels[None, :])[upper]
    pair_scores = scores[upper]
    genuine, impostor = np.sort(pair_scores[same]), np.sort(pair_scores[~same])
    report = dict(model=a.model, photos=len(vectors), people=len(set(labels)),
                  genuine_pairs=int(len(genuine)), impostor_pairs=int(len(impostor)), points=[])
    for far in (float(x) for x in a.fars.split(",")):
        allowed = int(np.floor(far * len(impostor)))  # impostor pairs allowed at or above the threshold
        threshold = float(np.nextafter(impostor[-allowed - 1], 1.0)) if allowed < len(impostor) else -1.0
        report["points"].append(dict(far=far, threshold=round(threshold, 4),
                                     far_reached=float(np.mean(impostor >= threshold)),
                                     tar=float(np.mean(genuine >= threshold))))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
