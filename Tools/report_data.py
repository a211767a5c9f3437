"""Reading the experiment reports that `sphere-gallery eval` writes, for Tools/plot_report.py.

Pure Python (csv + json): the parsing is tested without matplotlib.

A report folder (`sphere-gallery eval megaface --out DIR`) holds
  report.json               MegaFace-style report (identification, verification, open_set)
  rank1_vs_distractors.csv  distractors,rank1
  cmc.csv                   distractors,rank,identification_rate
  verification_roc.csv      far,tar,threshold   (strict end of the verification ROC)
  fnir_vs_fpir.csv          fpir,fnir,threshold (open set, largest distractor set)
and may hold an LFW ROC (`sphere-gallery eval lfw --roc DIR/lfw_roc.csv`, far,tar,threshold).
Any file may be missing; `load_report` returns what is there.
"""
from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field


class ReportError(Exception):
    """A report file that cannot be read; the message names the file and what is wrong."""


def read_csv(path: str, columns: list[str]) -> dict[str, list[float]]:
    """Reads a CSV with a header row holding at least `columns`; returns column → floats.

    Raises ReportError for a missing column or a value that is not a number.
    """
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise ReportError(f"{path}: missing column(s) {', '.join(missing)} (header: {','.join(header)})")
            out: dict[str, list[float]] = {c: [] for c in columns}
            for line, row in enumerate(reader, start=2):
                for c in columns:
                    try:
                        value = float(row[c])
                    except (TypeError, ValueError):
                        raise ReportError(f"{path}:{line}: column {c} is not a number: {row[c]!r}") from None
                    if math.isnan(value):
                        raise ReportError(f"{path}:{line}: column {c} is NaN")
                    out[c].append(value)
            return out
    except OSError as e:
        raise ReportError(f"cannot read {path}: {e.strerror}") from None


@dataclass
class Curve:
    """An x/y curve with a label (x and y of equal length)."""
    label: str
    x: list[float]
    y: list[float]


@dataclass
class Report:
    """What a report folder holds; None/empty where a file is absent."""
    folder: str
    summary: dict | None = None
    rank1_vs_distractors: Curve | None = None
    cmc: list[Curve] = field(default_factory=list)      # one curve per distractor size
    roc: list[Curve] = field(default_factory=list)      # FAR → TAR (verification, LFW)
    fnir_vs_fpir: Curve | None = None

    @property
    def empty(self) -> bool:
        return not (self.summary or self.rank1_vs_distractors or self.cmc or self.roc or self.fnir_vs_fpir)


def cmc_curves(table: dict[str, list[float]]) -> list[Curve]:
    """Splits `distractors,rank,identification_rate` rows into one CMC curve per size, by size."""
    by_size: dict[int, list[tuple[float, float]]] = {}
    for d, r, rate in zip(table["distractors"], table["rank"], table["identification_rate"]):
        by_size.setdefault(int(d), []).append((r, rate))
    curves = []
    for size in sorted(by_size):
        points = sorted(by_size[size])
        curves.append(Curve(f"{size:,} distractors", [p[0] for p in points], [p[1] for p in points]))
    return curves


def positive_far(curve: Curve) -> Curve:
    """Drops points with FAR ≤ 0 (they cannot be drawn on a log axis)."""
    keep = [(x, y) for x, y in zip(curve.x, curve.y) if x > 0]
    return Curve(curve.label, [p[0] for p in keep], [p[1] for p in keep])


def open_set_rows(summary: dict) -> list[dict]:
    """The open-set operating points of the largest distractor set as table rows:
    {"distractors", "target_fpir", "threshold", "fpir", "fnir", "dir"} — [] when absent."""
    entries = summary.get("open_set") or []
    if not entries:
        return []
    largest = max(entries, key=lambda e: e.get("distractors", 0))
    return [dict(distractors=largest["distractors"], **{k: p[k] for k in ("target_fpir", "threshold", "fpir", "fnir", "dir")})
            for p in largest.get("operating_points", [])]


def load_report(folder: str) -> Report:
    """Reads every known file of `folder` that exists. Raises ReportError for a folder that does
    not exist or a file that is malformed."""
    if not os.path.isdir(folder):
        raise ReportError(f"{folder} is not a folder; pass the --out folder of `sphere-gallery eval megaface`")
    report = Report(folder)

    def path(name: str) -> str:
        return os.path.join(folder, name)

    if os.path.exists(path("report.json")):
        try:
            with open(path("report.json")) as f:
                report.summary = json.load(f)
        except json.JSONDecodeError as e:
            raise ReportError(f"{path('report.json')}: not JSON ({e.msg}, line {e.lineno})") from None
        if not isinstance(report.summary, dict):
            raise ReportError(f"{path('report.json')}: expected a JSON object")
    if os.path.exists(path("rank1_vs_distractors.csv")):
        t = read_csv(path("rank1_vs_distractors.csv"), ["distractors", "rank1"])
        report.rank1_vs_distractors = Curve("rank-1", t["distractors"], t["rank1"])
    if os.path.exists(path("cmc.csv")):
        report.cmc = cmc_curves(read_csv(path("cmc.csv"), ["distractors", "rank", "identification_rate"]))
    for name, label in (("verification_roc.csv", "MegaFace-style verification"), ("lfw_roc.csv", "LFW View 2")):
        if os.path.exists(path(name)):
            t = read_csv(path(name), ["far", "tar"])
            report.roc.append(positive_far(Curve(label, t["far"], t["tar"])))
    if os.path.exists(path("fnir_vs_fpir.csv")):
        t = read_csv(path("fnir_vs_fpir.csv"), ["fpir", "fnir"])
        report.fnir_vs_fpir = positive_far(Curve("FNIR", t["fpir"], t["fnir"]))
    if report.empty:
        raise ReportError(f"{folder} holds no report files (report.json, *.csv)")
    return report


def markdown_tables(summary: dict) -> str:
    """The docs/accuracy.md tables of a MegaFace-style report.json: rank-1 per distractor size, TAR at FAR,
    and FNIR / threshold at FPIR (largest size), as Markdown."""
    lines = ["| distractors | rank-1 | rank-10 |", "|---:|---:|---:|"]
    for s in summary.get("identification", []):
        cmc = s.get("cmc", [])
        last = cmc[min(9, len(cmc) - 1)] if cmc else float("nan")
        lines.append(f"| {s['distractors']:,} | {100 * s['rank1']:.2f}% | {100 * last:.2f}% |")
    ver = summary.get("verification", {})
    tars = ver.get("tar_at_far", {})
    if tars:
        lines += ["", f"| FAR | TAR | threshold |", "|---:|---:|---:|"]
        for far in sorted(tars, key=float, reverse=True):
            tar, thr = tars[far], ver.get("threshold_at_far", {}).get(far)
            lines.append(f"| {far} | " + ("n/a" if tar is None else f"{100 * tar:.2f}%") + " | "
                         + ("n/a" if thr is None else f"{thr:.4f}") + " |")
    rows = open_set_rows(summary)
    if rows:
        lines += ["", f"| FPIR target ({rows[0]['distractors']:,} distractors) | threshold | FPIR | FNIR | DIR |",
                  "|---:|---:|---:|---:|---:|"]
        for r in rows:
            lines.append(f"| {r['target_fpir']} | {r['threshold']:.4f} | {r['fpir']:.4f} | {100 * r['fnir']:.2f}% | {100 * r['dir']:.2f}% |")
    return "\n".join(lines) + "\n"
