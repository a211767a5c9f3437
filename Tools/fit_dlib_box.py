#!/usr/bin/env python3
"""Fit the MTCNN → dlib-HOG box mapping of ``Sources/FaceDetection/DlibBoxMapping.swift``.

Inputs: ``dlib_hog_reference.py`` output (dlib's HOG box and 5 landmarks per image) and
``sphere-gallery detect --select centre --json`` on the same images (MTCNN box and 5 points).
Run with the dlib venv (numpy + dlib; dlib only to score each candidate mapping)::

    fit_dlib_box.py --hog hog.jsonl --mtcnn mtcnn.jsonl --lfw ../shared/data/lfw/images \
        --models ~/.cache/sphere-gallery/sources [--folds 2]

For every candidate frame (centre: the 5 points' centroid or MTCNN's box centre; scale: eye-to-mouth
distance, inter-ocular distance, RMS spread of the 5 points, MTCNN box width) the box edges are
``centre + k·scale`` with the four ``k`` the median over the images of the first half (fit half);
each candidate is scored on the other half (held out) by running dlib's own shape predictor on the
mapped box and comparing with dlib's landmarks from its HOG box: mean and 95th-percentile point error,
in pixels and relative to the inter-ocular distance (of dlib's eye-corner midpoints).
Prints one line per candidate and the constants of the best one fitted on all images.
"""
import argparse
import json
import os
import sys

import dlib
import numpy as np
from PIL import Image


def frame(points, box, centre, scale):
    p = np.asarray(points, dtype=np.float64)
    if centre == "points":
        c = p.mean(axis=0)
    else:
        c = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    if scale == "eye-mouth":
        s = np.linalg.norm((p[3] + p[4]) / 2 - (p[0] + p[1]) / 2)
    elif scale == "eyes":
        s = np.linalg.norm(p[1] - p[0])
    elif scale == "rms":
        s = np.sqrt(((p - p.mean(axis=0)) ** 2).sum(axis=1).mean())
    else:
        s = box[2] - box[0]
    return c, s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hog", required=True)
    ap.add_argument("--mtcnn", required=True)
    ap.add_argument("--lfw", required=True)
    ap.add_argument("--models", required=True)
    args = ap.parse_args()
    hog = {}
    for line in open(args.hog):
        r = json.loads(line)
        if r["box"]:
            hog[r["image"]] = r
    rows = []
    for line in open(args.mtcnn):
        r = json.loads(line)
        rel = os.path.relpath(r["image"], args.lfw)
        if rel in hog and r.get("faces"):
            f = r["faces"][0]
            rows.append((rel, hog[rel], f["box"], f["landmarks"]))
    rows.sort()
    print(f"{len(rows)} images with a dlib HOG box and an MTCNN face", file=sys.stderr)
    sp = dlib.shape_predictor(os.path.join(args.models, "shape_predictor_5_face_landmarks.dat"))
    images = {}

    def image(rel):
        if rel not in images:
            with Image.open(os.path.join(args.lfw, rel)) as im:
                images[rel] = np.asarray(im.convert("RGB"))
        return images[rel]

    fit, held = rows[0::2], rows[1::2]

    def constants(subset, centre, scale):
        ks = []
        for _, h, box, pts in subset:
            c, s = frame(pts, box, centre, scale)
            l, t, r, b = h["box"]
            ks.append([(l - c[0]) / s, (t - c[1]) / s, (r - c[0]) / s, (b - c[1]) / s])
        return np.median(np.asarray(ks), axis=0)

    def score(subset, centre, scale, k):
        errs, rel_errs = [], []
        for rel, h, box, pts in subset:
            c, s = frame(pts, box, centre, scale)
            e = [c[0] + k[0] * s, c[1] + k[1] * s, c[0] + k[2] * s, c[1] + k[3] * s]
            rect = dlib.rectangle(*[int(np.floor(v + 0.5)) for v in e])
            shape = sp(image(rel), rect)
            got = np.array([[shape.part(i).x, shape.part(i).y] for i in range(5)], dtype=np.float64)
            ref = np.asarray(h["landmarks"], dtype=np.float64)
            iod = np.linalg.norm((ref[0] + ref[1]) / 2 - (ref[2] + ref[3]) / 2)
            d = np.linalg.norm(got - ref, axis=1)
            errs.append(d)
            rel_errs.append(d / iod)
        errs, rel_errs = np.concatenate(errs), np.concatenate(rel_errs)
        return errs.mean(), np.percentile(errs, 95), rel_errs.mean()

    results = []
    for centre in ("points", "box"):
        for scale in ("eye-mouth", "eyes", "rms", "box-width"):
            k = constants(fit, centre, scale)
            m, p95, rm = score(held, centre, scale, k)
            results.append((rm, centre, scale))
            print(f"centre {centre:6s} scale {scale:9s}  k {np.round(k, 4).tolist()}  held-out: "
                  f"mean {m:.3f} px, p95 {p95:.3f} px, mean/IOD {rm:.4f}")
    rm, centre, scale = min(results)
    k = constants(rows, centre, scale)
    m, p95, rmean = score(rows, centre, scale, k)
    print(json.dumps({"centre": centre, "scale": scale, "k": [float(x) for x in k], "images": len(rows),
                      "all_images": {"mean_px": m, "p95_px": p95, "mean_over_iod": rmean}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
