"""Shared helpers for the Tools tests: paths, skip rules, a PNG decoder and a numpy reference
forward pass of the converted dlib ResNet (driven only by the safetensors + its metadata).

Paths:
  * Tools dir  = the parent of this folder (added to sys.path so the tools import as modules).
  * shared dir = $SPHERE_GALLERY_SHARED, else ../shared next to the repository, else /work/shared.
  * cache dir  = $SPHERE_GALLERY_CACHE, else ~/.cache/sphere-gallery (filled by Tools/fetch_models.sh).

Tests that need the real model files skip (with a message saying to run Tools/fetch_models.sh)
when the cache lacks them; they never download anything themselves.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import unittest
import zlib

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
TOOLS_DIR = os.path.dirname(TESTS_DIR)
REPO_DIR = os.path.dirname(TOOLS_DIR)
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)

from safetensors_io import read_safetensors  # noqa: E402,F401  (re-exported for the tests)


def shared_dir():
    env = os.environ.get("SPHERE_GALLERY_SHARED")
    candidates = [env] if env else []
    candidates += [os.path.join(os.path.dirname(REPO_DIR), "shared"), "/work/shared"]
    for c in candidates:
        if c and os.path.isdir(os.path.join(c, "testvectors")):
            return c
    return None


def cache_dir():
    return os.environ.get("SPHERE_GALLERY_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "sphere-gallery")


def cached_source(name):
    """Path of a verified original model file kept by fetch_models.sh (cache/sources/NAME), or skip."""
    p = os.path.join(cache_dir(), "sources", name)
    if not os.path.isfile(p):
        raise unittest.SkipTest(f"{p} missing: run Tools/fetch_models.sh first (SPHERE_GALLERY_CACHE={cache_dir()})")
    return p


def cached_output(name):
    p = os.path.join(cache_dir(), name)
    if not os.path.isfile(p):
        raise unittest.SkipTest(f"{p} missing: run Tools/fetch_models.sh first")
    return p


def testvector(*parts):
    s = shared_dir()
    if s is None:
        raise unittest.SkipTest("../shared/testvectors not found (set SPHERE_GALLERY_SHARED)")
    p = os.path.join(s, "testvectors", *parts)
    if not os.path.exists(p):
        raise unittest.SkipTest(f"{p} missing")
    return p


# ---------------------------------------------------------------------------------------------
# PNG (8-bit grey / RGB / RGBA, non-interlaced) -> numpy uint8 HxWxC


def read_png(path):
    import numpy as np

    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 6: 4, 4: 2}[ctype]
    if depth != 8 or interlace:
        raise ValueError(f"{path}: only 8-bit non-interlaced PNG supported")
    raw = zlib.decompress(b"".join(idat))
    bpp, stride = channels, w * channels
    out = bytearray(h * stride)
    prev = bytearray(stride)
    p = 0
    for y in range(h):
        ft = raw[p]
        line = bytearray(raw[p + 1 : p + 1 + stride])
        p += 1 + stride
        if ft == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ft == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif ft == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                c = prev[i - bpp] if i >= bpp else 0
                b = prev[i]
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        elif ft != 0:
            raise ValueError(f"{path}: bad PNG filter {ft}")
        out[y * stride : (y + 1) * stride] = line
        prev = line
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(h, w, channels)


# ---------------------------------------------------------------------------------------------
# numpy reference forward pass of the converted dlib ResNet, interpreting the metadata


def _conv(x, w, b, stride, pad):
    import numpy as np

    if pad[0] or pad[1]:
        x = np.pad(x, ((0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    O, I, kh, kw = w.shape
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # C, H', W', kh, kw
    win = win[:, :: stride[0], :: stride[1]]
    Ho, Wo = win.shape[1], win.shape[2]
    cols = win.transpose(1, 2, 0, 3, 4).reshape(Ho * Wo, I * kh * kw)
    y = cols @ w.reshape(O, -1).T + b
    return y.T.reshape(O, Ho, Wo)


def _pool(x, kind, k, s, p):
    import numpy as np

    assert p == [0, 0]
    win = np.lib.stride_tricks.sliding_window_view(x, tuple(k), axis=(1, 2))[:, :: s[0], :: s[1]]
    return win.max(axis=(3, 4)) if kind == "max_pool" else win.mean(axis=(3, 4), dtype=np.float32)


def _add_zero_pad(a, b):
    import numpy as np

    shape = tuple(max(i, j) for i, j in zip(a.shape, b.shape))
    out = np.zeros(shape, dtype=np.float32)
    out[: a.shape[0], : a.shape[1], : a.shape[2]] += a
    out[: b.shape[0], : b.shape[1], : b.shape[2]] += b
    return out


def dlib_forward(tensors, network, chip_rgb):
    """128-d descriptor of a 150x150x3 uint8 RGB chip, using only the converted file."""
    import numpy as np

    T = {k: v.numpy() for k, v in tensors.items()}
    inp = network["input"]
    mean = T[inp["mean_tensor"]].astype(np.float32)
    x = ((chip_rgb.astype(np.float32) - mean) * np.float32(inp["scale"])).transpose(2, 0, 1)

    def run(op, x):
        kind = op["op"]
        if kind == "conv":
            y = _conv(x, T[op["weight"]], T[op["bias"]], op["stride"], op["padding"])
            assert list(y.shape) == op["output_shape"], (op["name"], y.shape)
            return y.astype(np.float32)
        if kind == "affine":
            return x * T[op["gamma"]][:, None, None] + T[op["beta"]][:, None, None]
        if kind == "relu":
            return np.maximum(x, 0)
        if kind in ("max_pool", "avg_pool"):
            return _pool(x, kind, op["kernel"], op["stride"], op["padding"])
        if kind == "residual":
            m = x
            for o in op["main"]:
                m = run(o, m)
            s = x
            for o in op["shortcut"]:
                s = run(o, s)
            assert op["merge"] == "add_zero_pad"
            y = _add_zero_pad(m, s)
            for o in op["post"]:
                y = run(o, y)
            assert list(y.shape) == op["output_shape"], (op["name"], y.shape)
            return y
        if kind == "global_avg_pool":
            return x.mean(axis=(1, 2), dtype=np.float32)[:, None, None]
        if kind == "linear":
            y = T[op["weight"]] @ x.reshape(-1)
            if op["bias"]:
                y = y + T[op["bias"]]
            return y
        raise AssertionError(f"unknown op {kind}")

    for op in network["layers"]:
        x = run(op, x)
    return x


def load_network(meta):
    return json.loads(meta["network"])
