"""report_data: parsing of the eval report folders that plot_report.py draws (no matplotlib)."""
import json
import os
import tempfile
import unittest

import _support  # noqa: F401  (puts Tools on sys.path)
from report_data import ReportError, cmc_curves, load_report, markdown_tables, open_set_rows, read_csv


def write(folder, name, text):
    with open(os.path.join(folder, name), "w") as f:
        f.write(text)


REPORT = {
    "model": "dlib-resnet", "identities": 2, "probe_images": 5,
    "identification": [{"distractors": 10, "rank1": 1.0, "cmc": [1.0]}],
    "open_set": [
        {"distractors": 10, "operating_points": [
            {"target_fpir": 0.1, "threshold": 0.5, "fpir": 0.0, "fnir": 0.25, "dir": 0.75, "resolvable": False}]},
        {"distractors": 100, "operating_points": [
            {"target_fpir": 0.1, "threshold": 0.6, "fpir": 0.05, "fnir": 0.5, "dir": 0.5, "resolvable": True}]},
    ],
}


class ReportDataTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.folder = self.dir.name

    def tearDown(self):
        self.dir.cleanup()

    def test_full_folder(self):
        write(self.folder, "report.json", json.dumps(REPORT))
        write(self.folder, "rank1_vs_distractors.csv", "distractors,rank1\n10,1.0\n100,0.75\n")
        write(self.folder, "cmc.csv", "distractors,rank,identification_rate\n100,2,1.0\n100,1,0.75\n10,1,1.0\n10,2,1.0\n")
        write(self.folder, "verification_roc.csv", "far,tar,threshold\n0.0,0.0,1.0\n0.001,0.5,0.7\n0.01,0.9,0.6\n")
        write(self.folder, "fnir_vs_fpir.csv", "fpir,fnir,threshold\n0.0,1.0,0.9\n0.01,0.5,0.6\n0.1,0.25,0.5\n")
        r = load_report(self.folder)
        self.assertEqual(r.summary["model"], "dlib-resnet")
        self.assertEqual(r.rank1_vs_distractors.x, [10.0, 100.0])
        self.assertEqual(r.rank1_vs_distractors.y, [1.0, 0.75])
        # CMC: one curve per size, smallest first, ranks sorted.
        self.assertEqual([c.label for c in r.cmc], ["10 distractors", "100 distractors"])
        self.assertEqual(r.cmc[1].x, [1.0, 2.0])
        self.assertEqual(r.cmc[1].y, [0.75, 1.0])
        # FAR 0 points dropped for the log axis.
        self.assertEqual(len(r.roc), 1)
        self.assertEqual(r.roc[0].x, [0.001, 0.01])
        self.assertEqual(r.fnir_vs_fpir.x, [0.01, 0.1])
        self.assertEqual(r.fnir_vs_fpir.y, [0.5, 0.25])

    def test_partial_folder_and_lfw_roc(self):
        write(self.folder, "lfw_roc.csv", "far,tar,threshold\n0.0,0.0,1\n0.5,1.0,0.2\n")
        r = load_report(self.folder)
        self.assertIsNone(r.summary)
        self.assertEqual([c.label for c in r.roc], ["LFW View 2"])
        self.assertEqual(r.cmc, [])

    def test_open_set_rows_take_the_largest_size(self):
        rows = open_set_rows(REPORT)
        self.assertEqual(rows, [{"distractors": 100, "target_fpir": 0.1, "threshold": 0.6, "fpir": 0.05, "fnir": 0.5, "dir": 0.5}])
        self.assertEqual(open_set_rows({}), [])

    def test_markdown_tables(self):
        summary = dict(REPORT, verification={"tar_at_far": {"0.001": 0.9, "0.000001": None},
                                             "threshold_at_far": {"0.001": 0.61234, "0.000001": None}})
        text = markdown_tables(summary)
        self.assertIn("| 10 | 100.00% | 100.00% |", text)
        self.assertIn("| 0.001 | 90.00% | 0.6123 |", text)
        self.assertIn("| 0.000001 | n/a | n/a |", text)
        self.assertLess(text.index("| 0.001 |"), text.index("| 0.000001 |"))
        self.assertIn("| 0.1 | 0.6000 | 0.0500 | 50.00% | 50.00% |", text)

    def test_cmc_curves_group_by_size(self):
        curves = cmc_curves({"distractors": [1000, 10], "rank": [1, 1], "identification_rate": [0.5, 0.9]})
        self.assertEqual([c.label for c in curves], ["10 distractors", "1,000 distractors"])

    def test_bad_inputs(self):
        with self.assertRaisesRegex(ReportError, "is not a folder"):
            load_report(os.path.join(self.folder, "nope"))
        with self.assertRaisesRegex(ReportError, "holds no report files"):
            load_report(self.folder)
        write(self.folder, "cmc.csv", "distractors,rank\n10,1\n")
        with self.assertRaisesRegex(ReportError, "missing column.*identification_rate"):
            load_report(self.folder)
        write(self.folder, "cmc.csv", "distractors,rank,identification_rate\n10,1,abc\n")
        with self.assertRaisesRegex(ReportError, r"cmc.csv:2: column identification_rate is not a number"):
            load_report(self.folder)
        write(self.folder, "x.csv", "a\nnan\n")
        with self.assertRaisesRegex(ReportError, "NaN"):
            read_csv(os.path.join(self.folder, "x.csv"), ["a"])
        os.remove(os.path.join(self.folder, "cmc.csv"))
        write(self.folder, "report.json", "{not json")
        with self.assertRaisesRegex(ReportError, "not JSON"):
            load_report(self.folder)


if __name__ == "__main__":
    unittest.main()
