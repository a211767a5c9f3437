#!/usr/bin/env python3
"""The SphereFace toy experiment: angle statistics and unit-sphere plots of 3-D features.

Reads DIR/m{1,2,3,4}.jsonl (`sphere-gallery train --features-out`: one line per image with
"identity", "split" (train | held_out), "predicted", "label", "vector" of unit length) and
DIR/m{M}.summary.json (the train command's --json summary), prints a Markdown table per m:

  max intra-class angle   largest angle between two training features of the same person
  min inter-class angle   smallest angle between two class centres (normalised mean of the
                          person's training features), and between the nearest two training
                          features of different people
  held-out accuracy       the trained classifier (fc6) on the held-out 20%

and draws the features on the unit sphere, one panel per m, into --out (PNG).

  .venv-plot/bin/python Tools/plot_toy_experiment.py --dir .build/toy --out docs/toy_experiment.png
"""
import argparse
import json
import pathlib

import numpy as np


def angles_deg(a, b):
    return np.degrees(np.arccos(np.clip(a @ b.T, -1.0, 1.0)))


def analyse(rows):
    names = sorted({r["identity"] for r in rows})
    train = [r for r in rows if r["split"] == "train"]
    held = [r for r in rows if r["split"] == "held_out"]
    x = np.array([r["vector"] for r in train], dtype=np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.array([names.index(r["identity"]) for r in train])
    intra = 0.0
    centres = []
    for c in range(len(names)):
        xc = x[y == c]
        if len(xc) > 1:
            intra = max(intra, angles_deg(xc, xc).max())
        m = xc.mean(axis=0)
        centres.append(m / np.linalg.norm(m))
    centres = np.array(centres)
    ac = angles_deg(centres, centres)
    inter_centres = ac[~np.eye(len(names), dtype=bool)].min()
    inter_samples = 180.0
    for c in range(len(names)):
        inter_samples = min(inter_samples, angles_deg(x[y == c], x[y != c]).min())
    acc = np.mean([r["predicted"] == r["label"] for r in held]) if held else float("nan")
    return dict(intra=intra, inter_centres=inter_centres, inter_samples=inter_samples, held_out_accuracy=acc,
                train=len(train), held_out=len(held), names=names)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--margins", default="1,2,3,4")
    ap.add_argument("--out", default="docs/toy_experiment.png")
    a = ap.parse_args()
    d = pathlib.Path(a.dir)
    results = {}
    for m in [int(v) for v in a.margins.split(",")]:
        rows = [json.loads(l) for l in (d / f"m{m}.jsonl").read_text().splitlines() if l.strip()]
        results[m] = (analyse(rows), rows)
    print("| m | max intra-class angle | min inter-class angle (centres) | min inter-class angle (nearest samples) | held-out accuracy |")
    print("|---|---|---|---|---|")
    for m, (r, _) in results.items():
        print(f"| {m} | {r['intra']:.1f}° | {r['inter_centres']:.1f}° | {r['inter_samples']:.1f}° | "
              f"{100 * r['held_out_accuracy']:.1f}% ({r['held_out']} images) |")
    (d / "toy_table.json").write_text(json.dumps({m: {k: v for k, v in r.items() if k != "names"} for m, (r, _) in results.items()},
                                                 indent=1, default=float))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(4 * len(results), 4.4))
    colours = plt.get_cmap("tab10").colors
    u, v = np.mgrid[0:2 * np.pi:30j, 0:np.pi:16j]
    for k, (m, (r, rows)) in enumerate(results.items()):
        ax = fig.add_subplot(1, len(results), k + 1, projection="3d")
        ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="0.85", linewidth=0.4)
        for c, name in enumerate(r["names"]):
            for split, marker, size in (("train", "o", 5), ("held_out", "x", 12)):
                pts = np.array([q["vector"] for q in rows if q["identity"] == name and q["split"] == split])
                if len(pts):
                    pts = pts / np.linalg.norm(pts, axis=1, keepdims=True)
                    ax.scatter(pts[:, 0], pts[:, 1], pts[:, 2], s=size, marker=marker, color=colours[c % 10],
                               label=name.replace("_", " ") if split == "train" else None, depthshade=False)
        ax.set_title(f"A-Softmax m = {m}\nheld-out acc. {100 * r['held_out_accuracy']:.1f}%", fontsize=10)
        ax.set_xticks([]); ax.set_yticks([]); ax.set_zticks([])
        ax.set_box_aspect((1, 1, 1))
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8, markerscale=2)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    out = pathlib.Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=70)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
