#!/usr/bin/env python3
"""dlib's own HOG boxes and 5-point landmarks for a sample of LFW images (JSON Lines).

Used once, to derive the constants that map an MTCNN detection to a dlib-HOG-like box
(``Sources/FaceDetection/DlibBoxMapping.swift``); the dlib peer is never a run-time dependency.
Needs the dlib venv (pip ``dlib-bin``, numpy, pillow), e.g. ``/work/main/.venv-dlib/bin/python``.

Usage::

    dlib_hog_reference.py --lfw ../shared/data/lfw/images --models ~/.cache/sphere-gallery/sources \
        --limit 600 > hog.jsonl

Each line: ``{"image": REL, "box": [l, t, r, b] | null, "landmarks": [[x, y] x5] | null}``, the box
as dlib gives it (inclusive right/bottom) for the HOG face nearest the image centre
(``get_frontal_face_detector()(img, 1)``), landmarks from ``shape_predictor_5_face_landmarks.dat``.
Images are decoded with Pillow (as the project's decoder does) and chosen evenly over the sorted list.
"""
import argparse
import json
import os
import sys

import dlib
import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lfw", required=True, help="LFW image folder (NAME/NAME_XXXX.jpg)")
    ap.add_argument("--models", required=True, help="folder with shape_predictor_5_face_landmarks.dat")
    ap.add_argument("--limit", type=int, default=600, help="images, spread evenly over the sorted list")
    ap.add_argument("--offset", type=int, default=0, help="start of the even spread (another sample)")
    args = ap.parse_args()
    paths = sorted(os.path.join(d, f) for d in os.listdir(args.lfw) if os.path.isdir(os.path.join(args.lfw, d))
                   for f in os.listdir(os.path.join(args.lfw, d)) if f.endswith(".jpg"))
    step = max(1, len(paths) // max(1, args.limit))
    chosen = paths[args.offset % step::step][: args.limit]
    hog = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(os.path.join(args.models, "shape_predictor_5_face_landmarks.dat"))
    for rel in chosen:
        with Image.open(os.path.join(args.lfw, rel)) as im:
            img = np.asarray(im.convert("RGB"))
        rects = hog(img, 1)
        row = {"image": rel, "box": None, "landmarks": None}
        if len(rects):
            cx, cy = img.shape[1] / 2.0, img.shape[0] / 2.0
            r = min(rects, key=lambda r: ((r.left() + r.right()) / 2.0 - cx) ** 2
                    + ((r.top() + r.bottom()) / 2.0 - cy) ** 2)
            s = sp(img, r)
            row["box"] = [r.left(), r.top(), r.right(), r.bottom()]
            row["landmarks"] = [[s.part(i).x, s.part(i).y] for i in range(5)]
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
