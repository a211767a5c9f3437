#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (with AddressSanitizer, into .build-fuzz) and runs
# each for SECONDS, starting from the seeds in Fuzz/Corpus. Prints the executions run per
# target; a crash, leak or timeout fails the run and leaves its input in .build-fuzz/artifacts.
# Usage: Tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzImageDecoder FuzzJSONLines FuzzNPY FuzzLabels)
# lld: gold fails on the fuzzer runtime's debug info.
flags=(-c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address
       -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)
export SPHERE_GALLERY_FUZZ=1
# A leak inside a system library we cannot fix (see the file) is not a finding of ours.
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for t in "${targets[@]}"; do swift build "${flags[@]}" --product "$t"; done
bin=$(swift build "${flags[@]}" --show-bin-path)
mkdir -p .build-fuzz/artifacts
status=0
for t in "${targets[@]}"; do
    mkdir -p ".build-fuzz/corpus/$t"
    log=".build-fuzz/$t.log"
    if "$bin/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix=".build-fuzz/artifacts/$t-" ".build-fuzz/corpus/$t" "Fuzz/Corpus/$t" >"$log" 2>&1; then
        result="no crash"
    else
        result="FAILED: see $log; the input is in .build-fuzz/artifacts"
        status=1
    fi
    runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
    echo "$t: $runs executions in ${seconds} s, $result"
done
exit $status
