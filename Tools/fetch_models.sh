#!/usr/bin/env bash
# Fetch, verify and convert SphereGallery's pretrained models into the cache directory
# ${SPHERE_GALLERY_CACHE:-$HOME/.cache/sphere-gallery}. Quick no-op when everything is present.
# Usage: Tools/fetch_models.sh [--force] [--quiet]     (details: Tools/README.md, Tools/fetch_models.py)
# Environment: SPHERE_GALLERY_CACHE (cache dir), SPHERE_GALLERY_ARCHIVES (dir with pre-downloaded
# archives, optional), PYTHON (interpreter with pip, default python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"
if ! command -v "$py" >/dev/null 2>&1; then
  echo "fetch_models: error: '$py' not found (set PYTHON to a Python 3.11 interpreter)" >&2
  exit 1
fi
exec "$py" "$here/fetch_models.py" "$@"
