"""test_summary: the closing line of `make test` is the runners' own counts, read from their output."""
import contextlib
import io
import os
import tempfile
import unittest

import _support  # noqa: F401  (puts Tools on sys.path)
from test_summary import SummaryError, main, parse_junit, summarise

# Lines as `swift test` (Swift Testing 6.3, with XCTest's empty run) prints them.
SWIFT_PASSING = """\
Test Suite 'Selected tests' started at 2026-12-03 09:03:43.781
Test Suite 'Selected tests' passed at 2026-12-03 09:03:43.782
\t Executed 0 tests, with 0 failures (0 unexpected) in 0.0 (0.0) seconds
\u21b3 Testing Library Version: 6.3.1 (937120cbc281cf2)
\u25c7 Test badInput() started.
\u279c Suite DlibResNetReferenceTests skipped: "model not found: run `make models`"
\u279c Test chipDescriptorsMatchDlib() skipped: "model not found: run `make models`"
\u279c Test embedReturnsUnitVectors() skipped: "model not found: run `make models`"
\u2714 Test badInput() passed after 0.020 seconds.
\u2714 Test "Boxes within the tolerance" passed after 1.5 seconds.
\u25c7 Test "comments in the header are skipped" started.
\u2714 Test "comments in the header are skipped" passed after 92.980 seconds.
\u25c7 Test case passing 2 arguments dim \u2192 2, storage \u2192 .float32 to oddShapes(dim:storage:) started.
\u2714 Suite ROCTests passed after 0.216 seconds.
\u2714 Test run with 5 tests in 2 suites passed after 0.217 seconds.
"""

SWIFT_FAILING = """\
\u2718 Test millionImpostorsExactTail() recorded an issue at ROCTests.swift:40:9: Expectation failed: 1 == 2
\u2718 Test millionImpostorsExactTail() failed after 0.215 seconds with 1 issue.
\u2714 Test badInput() passed after 0.020 seconds.
\u2718 Suite ROCTests failed after 0.216 seconds with 1 issue.
\u2718 Test run with 2 tests in 1 suite failed after 0.217 seconds with 1 issue.
\t Executed 0 tests, with 0 failures (0 unexpected) in 0.0 (0.0) seconds
"""

XCTEST = """\
Test Case 'StoreTests.testOpen' passed (0.010 seconds)
Test Case 'StoreTests.testBig' skipped (0.001 seconds)
\t Executed 3 tests, with 1 test skipped and 1 failure (1 unexpected) in 0.2 (0.2) seconds
Test Suite 'All tests' failed at 2026-12-03 09:03:43.782
\t Executed 5 tests, with 1 test skipped and 1 failure (1 unexpected) in 0.3 (0.3) seconds
"""

UNITTEST = """\
test_one (test_a.A.test_one) ... ok
test_two (test_a.A.test_two) ... skipped 'needs the models: run Tools/fetch_models.sh'
test_three (test_a.A.test_three) ... FAIL

----------------------------------------------------------------------
Ran 6 tests in 0.012s

FAILED (failures=1, errors=1, skipped=1)
"""


# As `swift test --xunit-output FILE` writes FILE-swift-testing.xml (Swift Testing 6.3).
JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="TestResults" errors="0" tests="3" failures="1" skipped="1" time="19.7">
    <testcase classname="EvaluationTests.ROCTests" name="badInput()" time="19.4" />
    <testcase classname="EvaluationTests.ROCTests" name="pointsByHand()" time="19.4" />
    <testcase classname="EvaluationTests.ROCTests" name="millionImpostorsExactTail()" time="19.7">
      <failure message="Expectation failed: 1 == 2" />
    </testcase>
    <testcase classname="FaceEmbeddingTests.DlibResNetReferenceTests" name="registryLoadsDlibByName()" >
      <skipped>dlib_resnet_v1.safetensors not found: run `make models`</skipped>
    </testcase>
  </testsuite>
</testsuites>
"""


class SummaryTests(unittest.TestCase):
    def test_junit_counts_each_testcase_once(self):
        c = parse_junit(JUNIT)
        self.assertEqual((c.passed, c.failed, c.skipped), (2, 1, 1))
        self.assertEqual(c.skips, ["FaceEmbeddingTests.DlibResNetReferenceTests.registryLoadsDlibByName(): "
                                   "dlib_resnet_v1.safetensors not found: run `make models`"])

    def test_a_truncated_junit_report_is_an_error(self):
        with self.assertRaises(SummaryError):
            parse_junit(JUNIT[:200])

    def test_swift_testing_counts_passes_and_skips_not_suites(self):
        c = summarise(SWIFT_PASSING)
        self.assertEqual((c.passed, c.failed, c.skipped), (3, 0, 2))
        self.assertTrue(c.found)
        self.assertIn('chipDescriptorsMatchDlib(): "model not found: run `make models`"', c.skips)
        self.assertFalse(any("comments in the header" in s for s in c.skips))

    def test_swift_testing_failure_is_counted_once(self):
        c = summarise(SWIFT_FAILING)
        self.assertEqual((c.passed, c.failed, c.skipped), (1, 1, 0))

    def test_lines_that_do_not_add_up_to_the_runners_total_are_an_error(self):
        with self.assertRaises(SummaryError):
            summarise(SWIFT_PASSING.replace("with 5 tests", "with 6 tests"))

    def test_xctest_uses_the_whole_runs_summary(self):
        c = summarise(XCTEST)
        self.assertEqual((c.passed, c.failed, c.skipped), (3, 1, 1))

    def test_unittest_counts_errors_as_failures(self):
        c = summarise(UNITTEST)
        self.assertEqual((c.passed, c.failed, c.skipped), (3, 2, 1))
        self.assertTrue(any("needs the models" in s for s in c.skips))

    def run_main(self, text, *extra, name="test.log"):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main([path, *extra])
        return status, out.getvalue().splitlines()[-1]

    def test_closing_line_and_status(self):
        self.assertEqual(self.run_main(SWIFT_PASSING), (0, "3 passed, 0 failed, 2 skipped"))
        self.assertEqual(self.run_main(SWIFT_FAILING), (1, "1 passed, 1 failed, 0 skipped"))

    def test_xml_files_are_read_as_junit(self):
        self.assertEqual(self.run_main(JUNIT, name="test-swift-testing.xml"), (1, "2 passed, 1 failed, 1 skipped"))

    def test_no_skips_turns_a_skip_into_a_failed_run(self):
        self.assertEqual(self.run_main(SWIFT_PASSING, "--no-skips"), (1, "3 passed, 0 failed, 2 skipped"))
        clean = "\u2714 Test a() passed after 0.1 seconds.\n\u2714 Test run with 1 test in 1 suite passed after 0.1 seconds.\n"
        self.assertEqual(self.run_main(clean, "--no-skips"), (0, "1 passed, 0 failed, 0 skipped"))

    def test_a_crashed_run_fails_even_with_no_failures_read(self):
        self.assertEqual(self.run_main("Building for production...\nerror: fatalError\n"), (1, "0 passed, 0 failed, 0 skipped"))
        self.assertEqual(self.run_main(SWIFT_PASSING, "--status", "1")[0], 1)


if __name__ == "__main__":
    unittest.main()
