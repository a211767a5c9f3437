#!/usr/bin/env python3
"""The paper experiment's report: gathers both parts into one report.json, writes CSVs, draws plots.

    python3 Tools/plot_paper.py experiments/paper [--markdown]

Reads DIR/heads/report.json (`sphere-gallery eval heads`: heads on a frozen network's vectors)
and DIR/nets/<loss>/report.json with DIR/nets/<loss>.train.jsonl (`Tools/paper_nets.sh`: sphere
nets trained from scratch), and writes

  DIR/report.json     {"heads": …, "nets": [{"head", "view1", "view1_angles", "training"}], "paper": …}
  DIR/nets.csv        one row per net: View 1 accuracy, TAR at FAR 1e-3, EER, angle ratios
  DIR/accuracy_vs_m.png, DIR/angle_ratio_vs_m.png, DIR/roc_view2.png  (with matplotlib)

--markdown prints the tables for docs/paper.md. Without matplotlib the plots are skipped, saying so.
"""
import argparse
import csv
import json
import pathlib
import sys

LOSSES = ["softmax", "m1", "m2", "m3", "m4"]

# What the SphereFace paper reports (Liu et al., CVPR 2017), for the comparison in docs/paper.md.
PAPER = {
    "source": "SphereFace: Deep Hypersphere Embedding for Face Recognition (Liu et al., CVPR 2017)",
}


def load_json(path):
    with open(path) as f:
        return json.load(f)


def training_summary(path):
    """The train command's --json summary, with the last epoch's training accuracy and loss."""
    summary, last_epoch = {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                row = json.loads(line)
                if "epoch" in row:
                    last_epoch = row
                else:
                    summary = row
    summary["train_accuracy"] = last_epoch.get("accuracy")
    summary["train_loss"] = last_epoch.get("loss")
    summary["epochs"] = last_epoch.get("epoch")
    return summary


def gather(folder):
    heads_path = folder / "heads" / "report.json"
    heads = load_json(heads_path) if heads_path.exists() else None
    nets = []
    for loss in LOSSES:
        report = folder / "nets" / loss / "report.json"
        if not report.exists():
            continue
        raw = next(h for h in load_json(report)["heads"] if h["head"] == "raw")
        train_log = folder / "nets" / f"{loss}.train.jsonl"
        nets.append({"head": loss, "view1": raw.get("view1"), "view1_angles": raw.get("view1_angles"),
                     "training": training_summary(train_log) if train_log.exists() else None})
    if heads is None and not nets:
        sys.exit(f"{folder} holds neither heads/report.json nor nets/*/report.json: run `make paper-experiment` first")
    return {"heads": heads, "nets": nets, "paper": PAPER}


def pct(v):
    return "" if v is None else f"{100 * v:.2f}%"


def num(v, digits=2):
    return "" if v is None else f"{v:.{digits}f}"


def markdown(report):
    lines = []
    heads = report["heads"]
    if heads:
        lines += ["| head | d | epochs | lr | View 1 | View 2 (10-fold) | TAR at FAR 1e-3 | EER | MegaFace rank-1 | FNIR at FPIR 0.1 | FNIR at FPIR 0.01 |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for h in heads["heads"]:
            v2, mf = h.get("view2") or {}, h.get("megaface") or {}
            fnir = mf.get("fnir_at_fpir", {})
            lines.append(f"| {h['head']} | {h.get('features') or ''} | {h.get('epochs') or ''} | {h.get('learning_rate') or ''} | "
                         f"{pct((h.get('view1') or {}).get('accuracy'))} | "
                         f"{pct(v2.get('accuracy'))} ± {pct(v2.get('accuracy_std'))} | {pct(v2.get('tar_at_far_0.001'))} | "
                         f"{pct(v2.get('eer'))} | {pct(mf.get('rank1'))} | {pct(fnir.get('0.1'))} | {pct(fnir.get('0.01'))} |")
        lines += ["", "| head | protocol | identities | max intra-class angle | min inter-class angle | ratio | mean intra / mean nearest inter |",
                  "|---|---|---|---|---|---|---|"]
        for h in heads["heads"]:
            for protocol in ["view1", "view2", "megaface"]:
                a = h.get(f"{protocol}_angles")
                if a:
                    lines.append(f"| {h['head']} | {protocol} | {a['identities']} | {num(a['max_intra_class_angle'])}° | "
                                 f"{num(a['min_inter_class_angle'])}° | {num(a['ratio'], 3)} | {num(a['mean_ratio'], 3)} |")
    if report["nets"]:
        lines += ["", "| net loss | View 1 accuracy | TAR at FAR 1e-3 | EER | max intra | min inter | ratio | mean ratio | train accuracy |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for n in report["nets"]:
            v, a, t = n["view1"] or {}, n["view1_angles"] or {}, n["training"] or {}
            lines.append(f"| {n['head']} | {pct(v.get('accuracy'))} | {pct(v.get('tar_at_far_0.001'))} | {pct(v.get('eer'))} | "
                         f"{num(a.get('max_intra_class_angle'))}° | {num(a.get('min_inter_class_angle'))}° | {num(a.get('ratio'), 3)} | "
                         f"{num(a.get('mean_ratio'), 3)} | {pct(t.get('train_accuracy'))} |")
    return "\n".join(lines)


def write_nets_csv(report, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["head", "view1_accuracy", "view1_tar_at_far_1e-3", "view1_eer", "max_intra_angle", "min_inter_angle", "ratio", "mean_ratio"])
        for n in report["nets"]:
            v, a = n["view1"] or {}, n["view1_angles"] or {}
            w.writerow([n["head"], v.get("accuracy"), v.get("tar_at_far_0.001"), v.get("eer"),
                        a.get("max_intra_class_angle"), a.get("min_inter_class_angle"), a.get("ratio"), a.get("mean_ratio")])


def plot(report, folder):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: plots skipped (make paper-experiment installs it in .venv-plot)", file=sys.stderr)
        return []
    written = []
    heads = [h for h in (report["heads"] or {}).get("heads", []) if h["head"] in LOSSES]
    raw = next((h for h in (report["heads"] or {}).get("heads", []) if h["head"] == "raw"), None)
    x = range(len(LOSSES))

    def save(fig, ax, name, title):
        ax.set_title(title)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / name, dpi=120)
        written.append(name)

    def series(rows, get):
        by = {r["head"]: r for r in rows}
        return [get(by[l]) if l in by and get(by[l]) is not None else float("nan") for l in LOSSES]

    fig, ax = plt.subplots(figsize=(6, 4))
    if heads:
        ax.plot(x, series(heads, lambda h: (h.get("view1") or {}).get("accuracy")), "o-", label="head, View 1")
        ax.plot(x, series(heads, lambda h: (h.get("view2") or {}).get("accuracy")), "s-", label="head, View 2")
        if raw and raw.get("view2"):
            ax.axhline(raw["view2"]["accuracy"], color="grey", linestyle="--", label="raw vectors, View 2")
    if report["nets"]:
        ax.plot(x, series(report["nets"], lambda n: (n.get("view1") or {}).get("accuracy")), "^-", label="net from scratch, View 1")
    ax.set_xticks(list(x), LOSSES)
    ax.set_ylabel("verification accuracy")
    save(fig, ax, "accuracy_vs_m.png", "Accuracy on people never seen in training")

    fig, ax = plt.subplots(figsize=(6, 4))
    for protocol, marker in [("view2", "s-"), ("megaface", "o-")]:
        if heads:
            ax.plot(x, series(heads, lambda h: (h.get(f"{protocol}_angles") or {}).get("ratio")), marker, label=f"head, {protocol}")
    if report["nets"]:
        ax.plot(x, series(report["nets"], lambda n: (n.get("view1_angles") or {}).get("ratio")), "^-", label="net, View 1")
    ax.axhline(1, color="grey", linestyle=":")
    ax.set_xticks(list(x), LOSSES)
    ax.set_ylabel("max intra-class / min inter-class angle")
    save(fig, ax, "angle_ratio_vs_m.png", "The paper's criterion (< 1) on test people")

    rocs = sorted((folder / "heads").glob("view2_roc_*.csv"))
    if rocs:
        fig, ax = plt.subplots(figsize=(6, 4))
        for path in rocs:
            with open(path) as f:
                rows = [(float(r["far"]), float(r["tar"])) for r in csv.DictReader(f)]
            rows = [(a, b) for a, b in rows if a > 0]
            ax.plot([a for a, _ in rows], [b for _, b in rows], label=path.stem.removeprefix("view2_roc_"))
        ax.set_xscale("log")
        ax.set_xlabel("FAR")
        ax.set_ylabel("TAR")
        save(fig, ax, "roc_view2.png", "LFW View 2 ROC per head (pooled folds)")
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=pathlib.Path)
    ap.add_argument("--markdown", action="store_true", help="print the tables for docs/paper.md")
    a = ap.parse_args()
    report = gather(a.folder)
    with open(a.folder / "report.json", "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    if report["nets"]:
        write_nets_csv(report, a.folder / "nets.csv")
    written = plot(report, a.folder)
    print(f"{a.folder}/report.json" + "".join(f", {w}" for w in written))
    if a.markdown:
        print(markdown(report))


if __name__ == "__main__":
    main()
