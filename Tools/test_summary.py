#!/usr/bin/env python3
"""The closing line of `make test`: the test runners' own counts, read from their output.

    python3 Tools/test_summary.py LOG [LOG ...] [--status N] [--no-skips]

Each LOG is a JUnit XML report (`swift test --xunit-output FILE` writes FILE for XCTest and
FILE-swift-testing.xml for Swift Testing), or the saved console output of `swift test` or of
`python3 -m unittest` (verbose or not). For `swift test` the XML reports are the ones to read:
the test process writes them itself, while its console output is relayed by SwiftPM and can
lose lines when the machine is loaded. Prints the skipped tests with their reasons, then one
line, `N passed, N failed, N skipped`, summed over the logs. Exits 1 when a test failed, when
a log holds no runner summary (the run crashed or never started), when --status (the
runner's exit status) is nonzero, or with --no-skips when a test was skipped; else 0.
"""
import argparse
import re
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field


class SummaryError(Exception):
    """The log's per-test lines do not add up to the runner's own total."""


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    skips: list = field(default_factory=list)   # "name: reason" per skipped test
    found: bool = False                         # a runner's summary was seen

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.skips += other.skips
        self.found = self.found or other.found

    def line(self):
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


# Swift Testing: one line per test as it ends ("✔ Test name() passed after 0.1 seconds.",
# "✘ Test name() failed after 0.1 seconds with 1 issue.", "➜ Test name() skipped: "reason""),
# and a run summary. Anchored at the end: a display name may itself say "skipped".
SWIFT_PASSED = re.compile(r'^\S+ Test (?!run with )(?!case )(.+) passed after [0-9.]+ seconds( with .+)?\.$')
SWIFT_FAILED = re.compile(r'^\S+ Test (?!run with )(?!case )(.+) failed after [0-9.]+ seconds( with .+)?\.$')
SWIFT_SKIPPED = re.compile(r'^\S+ Test (?!run with )(?!case )(.+?) skipped(?:: (".*"))?\.?$')
SWIFT_RUN = re.compile(r'^\S+ Test run with (\d+) tests?\b')
# XCTest: "Executed 12 tests, with 1 test skipped and 2 failures (0 unexpected) in …".
XCTEST_RUN = re.compile(r'Executed (\d+) tests?, with (?:(\d+) tests? skipped and )?(\d+) failures?')
XCTEST_SKIP = re.compile(r"^Test Case '(.+)' skipped")
# unittest: "Ran 40 tests in 1.2s", then "OK", "OK (skipped=2)" or "FAILED (failures=1, errors=1, skipped=2)".
UNITTEST_RAN = re.compile(r'^Ran (\d+) tests? in ')
UNITTEST_END = re.compile(r'^(OK|FAILED)(?: \((.*)\))?$')
UNITTEST_SKIP = re.compile(r'^(.+) \.\.\. skipped (.*)$')


def parse_swift_testing(lines):
    counts = Counts()
    announced = None
    for line in lines:
        run = SWIFT_RUN.match(line)
        if run:
            counts.found, announced = True, int(run.group(1))
            continue
        if SWIFT_PASSED.match(line):
            counts.passed += 1
        elif SWIFT_FAILED.match(line):
            counts.failed += 1
        else:
            skip = SWIFT_SKIPPED.match(line)
            if skip:
                counts.skipped += 1
                counts.skips.append(f"{skip.group(1)}: {skip.group(2) or '(no reason given)'}")
    if announced is not None and announced != counts.passed + counts.failed + counts.skipped:
        # A result line this parser does not know: the counts would not be the runner's.
        raise SummaryError(f"Swift Testing ran {announced} tests but {counts.passed} passed, "
                           f"{counts.failed} failed and {counts.skipped} skipped were read from its output")
    return counts


def parse_xctest(lines):
    counts = Counts()
    last = None
    for line in lines:
        m = XCTEST_RUN.search(line)
        if m:
            last = m
        s = XCTEST_SKIP.match(line)
        if s:
            counts.skips.append(s.group(1))
    if last:   # the last summary is the whole run's
        executed, skipped, failed = int(last.group(1)), int(last.group(2) or 0), int(last.group(3))
        counts.found = True
        counts.failed, counts.skipped = failed, skipped
        counts.passed = executed - skipped - failed
    return counts


def parse_unittest(lines):
    counts = Counts()
    ran = None
    for line in lines:
        s = UNITTEST_SKIP.match(line)
        if s:
            counts.skips.append(f"{s.group(1)}: {s.group(2)}")
        m = UNITTEST_RAN.match(line)
        if m:
            ran = int(m.group(1))
            continue
        e = UNITTEST_END.match(line.strip())
        if e and ran is not None:
            details = dict(part.strip().split("=") for part in (e.group(2) or "").split(",") if "=" in part)
            failed = int(details.get("failures", 0)) + int(details.get("errors", 0)) \
                + int(details.get("unexpected successes", 0))
            skipped = int(details.get("skipped", 0))
            expected = int(details.get("expected failures", 0))
            counts.found = True
            counts.failed, counts.skipped = failed, skipped
            counts.passed = ran - failed - skipped - expected
    return counts


def parse_junit(text):
    """Counts of a JUnit XML report: each <testcase> passed, or holds <failure>/<error>, or <skipped>."""
    counts = Counts(found=True)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise SummaryError(f"not a readable JUnit XML report ({error})")
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}.{case.get('name', '')}".lstrip(".")
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            counts.failed += 1
        elif skipped is not None:
            counts.skipped += 1
            reason = (skipped.get("message") or skipped.text or "").strip() or "(no reason given)"
            counts.skips.append(f"{name}: {reason}")
        else:
            counts.passed += 1
    return counts


def summarise(text):
    lines = text.splitlines()
    total = Counts()
    for parser in (parse_swift_testing, parse_xctest, parse_unittest):
        total.add(parser(lines))
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--status", type=int, default=0, help="the runner's exit status")
    parser.add_argument("--no-skips", action="store_true",
                        help="a skipped test fails the run (where the shared data and the models are present)")
    args = parser.parse_args(argv)
    total = Counts()
    ok = True
    for path in args.logs:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            counts = parse_junit(text) if path.endswith(".xml") else summarise(text)
        except OSError as error:
            print(f"{path}: cannot read the test log ({error.strerror})", file=sys.stderr)
            counts, ok = Counts(found=True), False
        except SummaryError as error:
            print(f"{path}: {error}", file=sys.stderr)
            counts, ok = Counts(found=True), False
        if not counts.found:
            print(f"{path}: no test runner summary found (did the run crash or fail to build?)", file=sys.stderr)
            ok = False
        total.add(counts)
    for skip in total.skips:
        print(f"skipped: {skip}")
    if args.status != 0:
        print(f"the test runner exited with status {args.status}", file=sys.stderr)
    if args.no_skips and total.skipped:
        print(f"{total.skipped} tests skipped although the shared data and the models are present", file=sys.stderr)
        ok = False
    print(total.line())
    return 0 if ok and total.failed == 0 and args.status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
