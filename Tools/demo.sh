#!/usr/bin/env bash
# `make demo`. With LFW at hand (LFW=DIR, or ../shared/data/lfw beside the project): enrol 100
# real people and identify held-out photos of them and photos of strangers (Tools/demo_lfw.py).
# Without it: the gallery on synthetic identities — random centres on the 128-d unit sphere,
# templates and probes as noisy samples of them; 2,000 people × 3 templates, then 500 probes of
# enrolled people and 500 of strangers.
set -euo pipefail
cd "$(dirname "$0")/.."
lfw="${LFW:-../shared/data/lfw}"
[ -d "$lfw/images" ] && lfw="$lfw/images"
if [ -d "$lfw" ] && [ -n "$(ls -A "$lfw")" ]; then
    exec python3 Tools/demo_lfw.py --lfw "$lfw"
fi
echo "No LFW here ($lfw). To run the demo on real faces, get LFW (deep-funneled, e.g. the"
echo "lfw-deepfunneled archive from the LFW site or a mirror), unpack it, and run"
echo "    make demo LFW=/path/to/lfw-deepfunneled"
echo "Meanwhile, the same gallery on synthetic identities:"
echo
bin=.build/release/sphere-gallery
work=$(mktemp -d "${TMPDIR:-/tmp}/sphere-gallery-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== synthetic people: 2,000 enrolled (3 templates each), 500 mated and 500 non-mated probes"
"$bin" synth --identities 2000 --templates 3 --mated 500 --nonmated 500 --dim 128 --noise 1.0 \
    --gallery "$work/gallery.jsonl" --probes "$work/probes.jsonl"
echo "== sphere-gallery init / import"
"$bin" init --db "$work/demo.sqlite" --model synthetic-128 --dim 128 --threshold 0.40
"$bin" import --db "$work/demo.sqlite" "$work/gallery.jsonl"
"$bin" stats --db "$work/demo.sqlite"
echo
echo "== sphere-gallery identify (first 8 and last 8 of 1,000 probes)"
"$bin" identify --db "$work/demo.sqlite" --vectors "$work/probes.jsonl" --top-k 3 > "$work/identify.txt"
head -10 "$work/identify.txt"
echo "..."
tail -n 14 "$work/identify.txt"
