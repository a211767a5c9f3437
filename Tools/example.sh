#!/usr/bin/env bash
# Builds Examples/IdentifyPhoto against a tagged clone of this checkout (a versioned
# source-control dependency, as a user's package has it) and runs it on a small LFW gallery.
# Usage: Tools/example.sh [LFW_IMAGES_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lfw="${1:-$root/../shared/data/lfw/images}"
work="$root/.build/example"
rm -rf "$work/sphere-gallery"
mkdir -p "$work"
git clone -q "$root" "$work/sphere-gallery"
version=$(sed -n 's/.*static let release = "\(.*\)".*/\1/p' "$root/Sources/SphereGalleryCLI/Version.swift")
git -C "$work/sphere-gallery" tag -f "$version" >/dev/null
export SPHERE_GALLERY_URL="file://$work/sphere-gallery"
(cd "$root/Examples/IdentifyPhoto" && swift package --scratch-path "$work/build" update >/dev/null \
  && swift build -c release --scratch-path "$work/build" 2>&1 | tail -3)
example="$work/build/release/IdentifyPhoto"
if [ ! -d "$lfw" ]; then
  echo "example: built; LFW not found at $lfw, so it was not run"
  exit 0
fi
db="$work/gallery.sqlite"
rm -f "$db" "$db-wal" "$db-shm"
"$root/.build/release/sphere-gallery" enrol --db "$db" --select centre --identity Aaron_Peirsol \
  "$lfw/Aaron_Peirsol/Aaron_Peirsol_0001.jpg" "$lfw/Aaron_Peirsol/Aaron_Peirsol_0002.jpg" >/dev/null
"$root/.build/release/sphere-gallery" enrol --db "$db" --select centre --identity Abdullah_Gul \
  "$lfw/Abdullah_Gul/Abdullah_Gul_0001.jpg" >/dev/null || true
out=$("$example" "$db" "$lfw/Aaron_Peirsol/Aaron_Peirsol_0003.jpg")
echo "$out"
grep -q ": Aaron_Peirsol;" <<<"$out" || { echo "example: the photograph was not identified as Aaron_Peirsol" >&2; exit 1; }
echo "example: ok"
