#!/usr/bin/env python3
"""Draws the plots of an experiment report folder as PNGs (matplotlib).

    python Tools/plot_report.py REPORT_DIR [--out DIR]
    python3 Tools/plot_report.py REPORT_DIR --markdown   # the docs/accuracy.md tables (no matplotlib)

Writes into --out (default REPORT_DIR) whichever the folder's files allow:
  roc.png                   TAR vs FAR (log FAR): MegaFace-style verification, LFW
  cmc.png                   identification rate vs rank, one curve per distractor-set size
  rank1_vs_distractors.png  rank-1 vs distractors (log)
  fnir_vs_fpir.png          open-set FNIR vs FPIR (log–log), largest distractor set

`make plots REPORT=DIR` creates the venv (.venv-plot, matplotlib) and runs this.
Parsing lives in report_data.py (tested without matplotlib).
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_data import Report, ReportError, load_report, markdown_tables  # noqa: E402


def draw(report: Report, out: str) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []

    def save(fig, name):
        path = os.path.join(out, name)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    title = ""
    if report.summary:
        s = report.summary
        title = (f"{s.get('model', '')}: {s.get('identities', '?')} identities, "
                 f"{s.get('probe_images', '?')} probe images")

    if report.roc:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        for c in report.roc:
            ax.step(c.x, c.y, where="post", label=c.label)
        ax.set_xscale("log")
        ax.set_xlabel("false accept rate")
        ax.set_ylabel("true accept rate")
        ax.set_title("ROC " + title, fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        save(fig, "roc.png")

    if report.cmc:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        for c in report.cmc:
            ax.plot(c.x, c.y, marker="o", markersize=3, label=c.label)
        ax.set_xlabel("rank")
        ax.set_ylabel("identification rate")
        ax.set_title("CMC " + title, fontsize=9)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
        save(fig, "cmc.png")

    if report.rank1_vs_distractors:
        c = report.rank1_vs_distractors
        fig, ax = plt.subplots(figsize=(6, 4.5))
        ax.plot(c.x, c.y, marker="o")
        ax.set_xscale("log")
        ax.set_xlabel("distractors")
        ax.set_ylabel("rank-1 identification rate")
        ax.set_title("Rank-1 vs distractors " + title, fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        save(fig, "rank1_vs_distractors.png")

    if report.fnir_vs_fpir and report.fnir_vs_fpir.x:
        c = report.fnir_vs_fpir
        fig, ax = plt.subplots(figsize=(6, 4.5))
        ax.step(c.x, c.y, where="post")
        ax.set_xscale("log")
        if min(c.y) > 0:
            ax.set_yscale("log")
        ax.set_xlabel("false positive identification rate (FPIR)")
        ax.set_ylabel("false negative identification rate (FNIR)")
        ax.set_title("Open set (rank 1) " + title, fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        save(fig, "fnir_vs_fpir.png")
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", help="report folder (sphere-gallery eval megaface --out DIR)")
    parser.add_argument("--out", help="where to write the PNGs (default: the report folder)")
    parser.add_argument("--markdown", action="store_true", help="print the report's tables as Markdown and draw nothing")
    args = parser.parse_args(argv)
    try:
        report = load_report(args.report)
    except ReportError as e:
        print(f"plot_report: {e}", file=sys.stderr)
        return 2
    if args.markdown:
        if not report.summary:
            print(f"plot_report: {args.report} has no report.json", file=sys.stderr)
            return 2
        print(markdown_tables(report.summary), end="")
        return 0
    out = args.out or args.report
    os.makedirs(out, exist_ok=True)
    for path in draw(report, out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
