#!/usr/bin/env python3
"""Lays out LFW as a MegaFace-style experiment, with symbolic links (no image is copied):

    python3 Tools/lfw_megaface_layout.py --lfw ../shared/data/lfw/images --out DIR [--min-images 10]

  DIR/probes/<person>/<image>   every image of each person with at least --min-images images
  DIR/distractors/<image>       the first image (by name) of every other person, up to --max-distractors

so that `sphere-gallery eval megaface --probes DIR/probes --distractors DIR/distractors` runs the
LFW-based MegaFace-style protocol. An existing DIR is rebuilt. Prints the counts as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".pgm", ".ppm")


def people(lfw: str) -> dict[str, list[str]]:
    """person → sorted image file names, for every folder of `lfw` holding images."""
    out = {}
    for name in sorted(os.listdir(lfw)):
        folder = os.path.join(lfw, name)
        if name.startswith(".") or not os.path.isdir(folder):
            continue
        images = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS))
        if images:
            out[name] = images
    return out


def layout(lfw: str, out: str, min_images: int = 10, max_distractors: int | None = None) -> dict:
    """Builds the link tree; returns the counts."""
    found = people(lfw)
    if not found:
        raise SystemExit(f"{lfw} holds no NAME/<image> folders; pass the LFW images folder (e.g. ../shared/data/lfw/images)")
    if os.path.isdir(out):
        shutil.rmtree(out)
    probes_dir, distractors_dir = os.path.join(out, "probes"), os.path.join(out, "distractors")
    os.makedirs(probes_dir)
    os.makedirs(distractors_dir)
    lfw = os.path.abspath(lfw)
    probe_people = probe_images = distractors = 0
    for name, images in found.items():
        if len(images) >= min_images:
            os.makedirs(os.path.join(probes_dir, name))
            for image in images:
                os.symlink(os.path.join(lfw, name, image), os.path.join(probes_dir, name, image))
            probe_people += 1
            probe_images += len(images)
        elif max_distractors is None or distractors < max_distractors:
            os.symlink(os.path.join(lfw, name, images[0]), os.path.join(distractors_dir, images[0]))
            distractors += 1
    return {"probe_identities": probe_people, "probe_images": probe_images, "distractors": distractors}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lfw", required=True, help="LFW images folder (NAME/NAME_XXXX.jpg)")
    parser.add_argument("--out", required=True, help="folder to (re)build")
    parser.add_argument("--min-images", type=int, default=10, help="images a person needs to be a probe identity")
    parser.add_argument("--max-distractors", type=int, help="at most this many distractors (default: all)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.lfw):
        print(f"lfw_megaface_layout: {args.lfw} is not a folder", file=sys.stderr)
        return 2
    print(json.dumps(layout(args.lfw, args.out, args.min_images, args.max_distractors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
