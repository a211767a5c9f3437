#!/usr/bin/env python3
"""Convert dlib's serialised models to safetensors, without dlib (Python 3.11 stdlib only).

Usage::

    convert_dlib_model.py IN.dat OUT.safetensors [--kind auto|resnet|shape-predictor]

Supported inputs (the kind is auto-detected from the first bytes):

* ``dlib_face_recognition_resnet_model_v1.dat`` (kind ``resnet``), the 128-d face descriptor net;
* ``shape_predictor_5_face_landmarks.dat`` (kind ``shape-predictor``). Shape predictors with any
  other number of landmarks (e.g. the 68-point model) are refused on purpose.

Byte formats are described in ``../shared/notes/model-formats.md`` §2-3 (dlib varint integers,
"portable" floats = mantissa x 2^exponent, raw-float32 tensors, type-driven layer nesting).

All floats are written as F32 (little-endian), all indices as I32. Tensor layouts below are
C-order (row-major); "OIHW" = [out_channels, in_channels, kernel_h, kernel_w].

Output 1: face ResNet (``dlib_resnet_v1.safetensors``)
------------------------------------------------------
Tensors (118):

====================================  ==================  =========================================
name                                  shape               meaning
====================================  ==================  =========================================
``input.mean``                        [3]                 per-channel mean, order R, G, B
``stem.conv.weight``                  [32, 3, 7, 7]       OIHW, cross-correlation (no flip)
``stem.conv.bias``                    [32]
``stem.affine.gamma`` / ``.beta``     [32] / [32]         y = x * gamma[c] + beta[c]
``blocks.{i}.conv1.weight``           [N, C_in, 3, 3]     i = 0..13, first conv of block i
``blocks.{i}.conv1.bias``             [N]
``blocks.{i}.affine1.gamma`` / beta   [N] / [N]
``blocks.{i}.conv2.weight``           [N, N, 3, 3]
``blocks.{i}.conv2.bias``             [N]
``blocks.{i}.affine2.gamma`` / beta   [N] / [N]
``fc.weight``                         [128, 256]          [out, in] (dlib stores [in][out];
                                                          transposed here). No bias (fc_no_bias).
====================================  ==================  =========================================

Blocks: 0-2 ``ares(32)``; 3 ``ares_down(64)``; 4-6 ``ares(64)``; 7 ``ares_down(128)``;
8-9 ``ares(128)``; 10 ``ares_down(256)``; 11-12 ``ares(256)``; 13 ``ares_down(256)``.

``__metadata__`` (all values are strings): ``format`` = ``sphere-gallery.dlib-resnet.v1``,
``source_file``, ``source_sha256``, and ``network``: a JSON document

* ``input``: ``{"height":150, "width":150, "channels":["R","G","B"], "layout":"NCHW",
  "mean_tensor":"input.mean", "mean":[r,g,b], "scale":0.00390625}``; the network input is
  ``x[c,h,w] = (float(pixel[h,w,c]) - mean[c]) * scale`` in float32 (scale = 1/256, exact).
* ``layers``: the forward pass in order; each entry has an ``op``:

  - ``conv``: ``name``, ``weight``, ``bias`` (tensor names), ``in_channels``, ``out_channels``,
    ``kernel`` [kh,kw], ``stride`` [sy,sx], ``padding`` [py,px] (zero padding on both sides);
    output size ``1 + (H + 2p - k) // s``.
  - ``affine``: ``name``, ``gamma``, ``beta``, ``channels``: ``y = x * gamma[c] + beta[c]``.
  - ``relu``.
  - ``max_pool`` / ``avg_pool``: ``kernel``, ``stride``, ``padding``; window top-left at
    ``(r*s - p, c*s - p)``, output ``1 + (H + 2p - k) // s`` (all paddings here are 0, so windows
    never leave the input; avg = plain mean of k*k values).
  - ``residual``: ``name``, ``in_channels``, ``out_channels``, ``downsample`` (bool),
    ``main`` (list of ops applied to the block input x), ``shortcut`` (list of ops applied to x:
    ``[]`` = identity, or one ``avg_pool`` 2x2 stride 2 for a down-sampling block), ``merge`` =
    ``"add_zero_pad"``, ``post`` = ``[{"op":"relu"}]``. out = post(merge(main(x), shortcut(x))).
    ``add_zero_pad``: the sum has the element-wise max of both shapes (C, H, W); each operand is
    aligned at channel 0 / pixel (0,0) and zero-padded at the end (extra channels, bottom rows,
    right columns). It matters in blocks 3, 7, 10 (channels) and 10, 13 (spatial: main 3x3 vs
    shortcut 4x4, main 1x1 vs shortcut 2x2).
  - ``global_avg_pool``: mean over H x W per channel (dlib ``avg_pool_everything``).
  - ``linear``: ``name``, ``weight`` ([out, in]), ``bias`` (null here), ``in_features``,
    ``out_features``: ``y[j] = sum_i W[j, i] * x[i]``.

  Every op also has ``output_shape`` [C, H, W] (or [features]) for a 150x150 input.
* ``output``: ``{"dim":128, "normalized":false, "distance":"euclidean", "same_person_below":0.6}``
  (the descriptor is the raw fc output, not unit length).
* ``counts``: conv/affine/relu/residual/parameter counts for quick checks.

Output 2: 5-point shape predictor (``dlib_shape_predictor_5.safetensors``)
-------------------------------------------------------------------------
With L = 5 landmarks, K = 15 cascades, T = 500 trees per cascade, S = 15 splits and 16 leaves per
tree (complete binary trees of depth 4), P = 800 feature pixels per cascade:

==================  ====================  ===========================================================
name                shape / dtype         meaning
==================  ====================  ===========================================================
``initial_shape``   [L, 2] F32            mean shape (x, y) per landmark, box-normalised:
                                          (0,0) = box top-left, (1,1) = box bottom-right
``split_idx``       [K, T, S, 2] I32      feature-pixel indices (idx1, idx2) of each split node
``split_thresh``    [K, T, S] F32         threshold of each split node
``leaf_values``     [K, T, 16, L, 2] F32  shape increment (dx, dy per landmark) of each leaf
``anchor_idx``      [K, P] I32            landmark each feature pixel is anchored to
``deltas``          [K, P, 2] F32         offset (dx, dy) of each feature pixel from its anchor,
                                          in the initial shape's normalised units
==================  ====================  ===========================================================

Tree walk: node i = 0; while i < S: i = 2i+1 if I[idx1] - I[idx2] > thresh else 2i+2; the leaf is
``i - S``. Per cascade the feature pixel p is ``S_c * deltas[c,p] + cur[anchor_idx[c,p]]`` with
S_c the 2x2 similarity (scale+rotation) from ``initial_shape`` to the current shape; the intensity
I is (R+G+B)/3 (integer division) at round(box map of p), 0 outside the image; all T leaves are
added to the current shape. See the notes §3 for the exact procedure.

``__metadata__``: ``format`` = ``sphere-gallery.dlib-shape-predictor.v1``, ``source_file``,
``source_sha256``, ``shape_predictor`` (JSON: num_landmarks, cascades, trees_per_cascade,
tree_depth, splits_per_tree, leaves_per_tree, feature_pixels, point order, tree walk rule).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import struct
import sys
from array import array
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import Tensor, write_safetensors  # noqa: E402

RESNET_FORMAT = "sphere-gallery.dlib-resnet.v1"
SHAPE_FORMAT = "sphere-gallery.dlib-shape-predictor.v1"


class DlibFormatError(Exception):
    """The input is not a dlib model of a supported kind; the message says why (and where)."""


# ---------------------------------------------------------------------------------------------
# Serialisation primitives


class Reader:
    def __init__(self, data: bytes):
        self.b = data
        self.p = 0
        self.n = len(data)

    def fail(self, msg: str):
        raise DlibFormatError(f"{msg} (at byte {self.p} of {self.n})")

    def int(self) -> int:
        p, b = self.p, self.b
        if p >= self.n:
            self.fail("unexpected end of file (truncated?)")
        c = b[p]
        k = c & 0x0F
        if c & 0x70 or k > 8:
            self.fail(f"invalid integer control byte 0x{c:02x}")
        if p + 1 + k > self.n:
            self.fail("unexpected end of file inside an integer (truncated?)")
        v = int.from_bytes(b[p + 1 : p + 1 + k], "little")
        self.p = p + 1 + k
        return -v if c & 0x80 else v

    def uint(self) -> int:
        v = self.int()
        if v < 0:
            self.fail(f"negative value {v} where an unsigned integer was expected")
        return v

    def float64(self) -> float:
        m = self.int()
        e = self.int()
        if e == 32000:
            return math.inf
        if e == 32001:
            return -math.inf
        if e == 32002:
            return math.nan
        try:
            return math.ldexp(m, e)
        except OverflowError:
            self.fail(f"float out of range (mantissa {m}, exponent {e})")

    def float32(self) -> float:
        """A portable float that was written from a C++ float: must be exactly a float32."""
        v = self.float64()
        r = struct.unpack("<f", struct.pack("<f", v))[0] if math.isfinite(v) else v
        if r != v and math.isfinite(v):
            self.fail(f"value {v!r} is not a float32")
        return r

    def floats32(self, count: int, out: array) -> None:
        """Append `count` portable floats to the array('f') `out` (fast path for big tables)."""
        b, p, n = self.b, self.p, self.n
        frombytes = int.from_bytes
        ldexp = math.ldexp
        append = out.append
        for _ in range(count):
            # mantissa
            c = b[p] if p < n else 0xFF
            k = c & 0x0F
            q = p + 1 + k
            if c & 0x70 or k > 8 or q > n:
                self.p = p
                self.fail("invalid or truncated integer (truncated file?)")
            m = frombytes(b[p + 1 : q], "little")
            if c & 0x80:
                m = -m
            # exponent
            c = b[q] if q < n else 0xFF
            k = c & 0x0F
            p = q + 1 + k
            if c & 0x70 or k > 8 or p > n:
                self.p = q
                self.fail("invalid or truncated integer (truncated file?)")
            e = frombytes(b[q + 1 : p], "little")
            if c & 0x80:
                e = -e
            if -1200 < e < 1100 and m.bit_length() <= 64:
                append(ldexp(m, e))  # array('f') rounds to float32 (exact for float-origin values)
            elif 32000 <= e <= 32002:
                append((math.inf, -math.inf, math.nan)[e - 32000])
            else:
                self.p = q
                self.fail(f"float out of range (mantissa {m}, exponent {e})")
        self.p = p

    def bool(self) -> bool:
        if self.p >= self.n:
            self.fail("unexpected end of file (truncated?)")
        c = self.b[self.p]
        if c not in (0x30, 0x31):
            self.fail(f"invalid bool byte 0x{c:02x}")
        self.p += 1
        return c == 0x31

    def string(self) -> str:
        k = self.uint()
        if self.p + k > self.n:
            self.fail("unexpected end of file inside a string (truncated?)")
        s = self.b[self.p : self.p + k]
        self.p += k
        try:
            return s.decode("ascii")
        except UnicodeDecodeError:
            self.fail("string is not ASCII: not a dlib model of a supported kind")

    def tensor(self) -> Tuple[Tuple[int, int, int, int], bytes]:
        ver = self.int()
        if ver != 2:
            self.fail(f"unsupported tensor version {ver}")
        dims = tuple(self.int() for _ in range(4))
        if any(d < 0 for d in dims):
            self.fail(f"negative tensor dims {dims}")
        nbytes = 4 * math.prod(dims)
        if self.p + nbytes > self.n:
            self.fail(f"tensor {dims} needs {nbytes} bytes, file ends first (truncated?)")
        data = self.b[self.p : self.p + nbytes]
        self.p += nbytes
        return dims, data

    def alias(self) -> Tuple[int, int, int, int]:
        ver = self.int()
        if ver != 1:
            self.fail(f"unsupported alias_tensor version {ver}")
        return tuple(self.int() for _ in range(4))

    def matrix_f32(self) -> Tuple[int, int, array]:
        nr, nc = self.int(), self.int()
        if (nr < 0) != (nc < 0):
            self.fail("inconsistent matrix dimensions")
        nr, nc = abs(nr), abs(nc)
        out = array("f")
        self.floats32(nr * nc, out)
        return nr, nc, out


def _f32_bytes(values) -> bytes:
    a = array("f", values)
    return a.tobytes()


def _i32_bytes(values) -> bytes:
    return array("i", values).tobytes()


# ---------------------------------------------------------------------------------------------
# Face ResNet


def _read_layer(r: Reader) -> dict:
    start = r.p
    name = r.string()
    if name.startswith("con_"):
        if name != "con_4":
            r.fail(f"layer {name}: only con_4 (dlib <= 19.x serialisation, as in the v1 model) is supported")
        dims, params = r.tensor()
        F, kh, kw = r.int(), r.int(), r.int()
        sy, sx, py, px = r.int(), r.int(), r.int(), r.int()
        fa, ba = r.alias(), r.alias()
        _mults = [r.float64() for _ in range(4)]
        Fo, C, ah, aw = fa
        if (Fo, ah, aw) != (F, kh, kw) or ba != (1, F, 1, 1):
            r.fail(f"con layer aliases {fa} / {ba} do not match {F} filters {kh}x{kw}")
        if math.prod(dims) != F * C * kh * kw + F:
            r.fail(f"con params {dims} do not hold {F}x{C}x{kh}x{kw} filters + {F} biases")
        n = F * C * kh * kw * 4
        return {"type": "con", "F": F, "C": C, "kernel": [kh, kw], "stride": [sy, sx], "padding": [py, px],
                "weight": params[:n], "bias": params[n : n + F * 4], "at": start}
    if name == "affine_":
        dims, params = r.tensor()
        ga, be = r.alias(), r.alias()
        mode = r.int()
        C = ga[1]
        if mode != 0:
            r.fail(f"affine layer in mode {mode}; only per-channel (conv) mode 0 is supported")
        if ga != (1, C, 1, 1) or be != ga or math.prod(dims) != 2 * C:
            r.fail(f"affine params {dims} / aliases {ga}, {be} are not per-channel gamma+beta")
        return {"type": "affine", "C": C, "gamma": params[: 4 * C], "beta": params[4 * C : 8 * C], "at": start}
    if name == "relu_":
        return {"type": "relu", "at": start}
    if name in ("max_pool_2", "avg_pool_2"):
        nr, nc, sy, sx, py, px = (r.int() for _ in range(6))
        return {"type": name[:-2], "kernel": [nr, nc], "stride": [sy, sx], "padding": [py, px], "at": start}
    if name == "add_prev_":
        return {"type": "add_prev", "at": start}
    if name == "fc_2":
        nout, nin = r.uint(), r.uint()
        dims, params = r.tensor()
        wa, ba = r.alias(), r.alias()
        bias_mode = r.int()
        _mults = [r.float64() for _ in range(4)]
        if bias_mode != 1:
            r.fail("fc layer with a bias is not supported (the v1 model uses fc_no_bias)")
        if wa[:2] != (nin, nout) or math.prod(wa) != nin * nout or math.prod(dims) != nin * nout:
            r.fail(f"fc params {dims} / weight alias {wa} do not match {nin} inputs x {nout} outputs")
        return {"type": "fc", "in": nin, "out": nout, "weight_in_out": params[: 4 * nin * nout], "at": start}
    r.fail(f"unsupported layer type {name!r}")


def _read_trailer(r: Reader, input_level: bool) -> None:
    for _ in range(3):
        r.bool()
    for _ in range(3):
        r.tensor()
    if input_level:
        r.int()  # sample expansion factor


def parse_resnet(data: bytes) -> dict:
    r = Reader(data)
    if r.int() != 1:
        r.fail("unsupported loss layer version")
    loss = r.string()
    if loss != "loss_metric_2":
        r.fail(f"loss layer {loss!r}: expected loss_metric_2 (dlib_face_recognition_resnet_model_v1)")
    margin, dist_thresh = r.float32(), r.float32()
    versions: List[int] = []
    while True:
        v = r.int()
        versions.append(v)
        if v == 3:
            break
        if v not in (1, 2) or len(versions) > 10000:
            r.fail(f"unexpected wrapper version {v}")
    inp = r.string()
    if inp != "input_rgb_image_sized":
        r.fail(f"input layer {inp!r}: expected input_rgb_image_sized")
    mean = [r.float32(), r.float32(), r.float32()]
    in_nr, in_nc = r.uint(), r.uint()
    layers = [_read_layer(r)]
    _read_trailer(r, input_level=True)
    while r.p < r.n:
        layers.append(_read_layer(r))
        _read_trailer(r, input_level=False)
    return {"loss": {"margin": margin, "dist_thresh": dist_thresh}, "versions": versions, "mean": mean,
            "input_size": [in_nr, in_nc], "layers": layers}


def _out(h: int, k: int, s: int, p: int) -> int:
    return 1 + (h + 2 * p - k) // s


def build_resnet(parsed: dict):
    """Match the parsed layer list to stem / residual blocks / head; return (tensors, network dict)."""
    L = parsed["layers"]
    types = [l["type"] for l in L]
    tensors: Dict[str, Tensor] = {}
    ops: List[dict] = []
    H, W = parsed["input_size"]
    C = 3

    def fail(i, msg):
        raise DlibFormatError(f"layer {i} ({types[i] if i < len(types) else 'end'}): {msg}")

    def conv(i, name, cin):
        nonlocal H, W
        l = L[i]
        if l["type"] != "con":
            fail(i, "expected a con layer")
        if l["C"] != cin:
            fail(i, f"conv has {l['C']} input channels, expected {cin}")
        kh, kw = l["kernel"]
        tensors[name + ".weight"] = Tensor("F32", (l["F"], cin, kh, kw), bytes(l["weight"]))
        tensors[name + ".bias"] = Tensor("F32", (l["F"],), bytes(l["bias"]))
        H = _out(H, kh, l["stride"][0], l["padding"][0])
        W = _out(W, kw, l["stride"][1], l["padding"][1])
        return {"op": "conv", "name": name, "weight": name + ".weight", "bias": name + ".bias",
                "in_channels": cin, "out_channels": l["F"], "kernel": l["kernel"], "stride": l["stride"],
                "padding": l["padding"], "output_shape": [l["F"], H, W]}

    def affine(i, name, ch):
        l = L[i]
        if l["type"] != "affine" or l["C"] != ch:
            fail(i, f"expected an affine layer over {ch} channels")
        tensors[name + ".gamma"] = Tensor("F32", (ch,), bytes(l["gamma"]))
        tensors[name + ".beta"] = Tensor("F32", (ch,), bytes(l["beta"]))
        return {"op": "affine", "name": name, "gamma": name + ".gamma", "beta": name + ".beta", "channels": ch,
                "output_shape": [ch, H, W]}

    def relu(i, shape):
        if types[i] != "relu":
            fail(i, "expected relu")
        return {"op": "relu", "output_shape": list(shape)}

    def pool(i, kind, h, w):
        l = L[i]
        if l["type"] != kind:
            fail(i, f"expected {kind}")
        (kh, kw), (sy, sx), (py, px) = l["kernel"], l["stride"], l["padding"]
        if kh <= 0 or kw <= 0:
            fail(i, "unexpected whole-input pooling inside the network")
        return {"op": kind, "kernel": l["kernel"], "stride": l["stride"], "padding": l["padding"]}, \
            _out(h, kh, sy, py), _out(w, kw, sx, px)

    # stem
    i = 0
    ops.append(conv(0, "stem.conv", 3))
    C = L[0]["F"]
    ops.append(affine(1, "stem.affine", C))
    ops.append(relu(2, [C, H, W]))
    p, H, W = pool(3, "max_pool", H, W)
    p["output_shape"] = [C, H, W]
    ops.append(p)
    i = 4
    expected_versions = [3, 2, 2, 2]  # stem con (input-level add_layer, v3), affine, relu, max_pool;
    # the list runs input -> output and is reversed at the end (the file stores output -> input)
    # residual blocks
    b = 0
    while i + 1 < len(L) and types[i] == "con":
        name = f"blocks.{b}"
        cin, hin, win = C, H, W
        N = L[i]["F"]
        main = [conv(i, name + ".conv1", cin), affine(i + 1, name + ".affine1", N), relu(i + 2, [N, H, W])]
        main.append(conv(i + 3, name + ".conv2", N))
        main.append(affine(i + 4, name + ".affine2", N))
        hm, wm = H, W
        j = i + 5
        if j < len(types) and types[j] == "avg_pool":
            sc, hs, ws = pool(j, "avg_pool", hin, win)
            sc["output_shape"] = [cin, hs, ws]
            shortcut = [sc]
            j += 1
            down = True
        else:
            shortcut, hs, ws, down = [], hin, win, False
        if j >= len(types) or types[j] != "add_prev":
            fail(j, "expected add_prev closing a residual block")
        if j + 1 >= len(types) or types[j + 1] != "relu":
            fail(j + 1, "expected relu after add_prev")
        C, H, W = max(N, cin), max(hm, hs), max(wm, ws)
        ops.append({"op": "residual", "name": name, "in_channels": cin, "out_channels": C, "downsample": down,
                    "main": main, "shortcut": shortcut, "merge": "add_zero_pad",
                    "post": [{"op": "relu", "output_shape": [C, H, W]}], "output_shape": [C, H, W]})
        if down:  # inner->outer: tag1, con, affine, relu, con, affine, tag2, skip1, avg_pool, add_prev2, relu
            expected_versions += [1, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2]
        else:  # tag1, con, affine, relu, con, affine, add_prev1, relu
            expected_versions += [1, 2, 2, 2, 2, 2, 2, 2]
        i = j + 2
        b += 1
    # head: global average pool + fc
    if i >= len(L) or types[i] != "avg_pool" or L[i]["kernel"] != [0, 0]:
        fail(i, "expected the global average pool (avg_pool with a 0x0 window)")
    ops.append({"op": "global_avg_pool", "output_shape": [C, 1, 1]})
    if i + 1 >= len(L) or types[i + 1] != "fc":
        fail(i + 1, "expected the final fc layer")
    fc = L[i + 1]
    if fc["in"] != C:
        fail(i + 1, f"fc has {fc['in']} inputs, network gives {C}")
    if i + 2 != len(L):
        fail(i + 2, "unexpected layers after the fc layer")
    nin, nout = fc["in"], fc["out"]
    w = array("f")
    w.frombytes(fc["weight_in_out"])
    wt = array("f")
    for j in range(nout):  # [in][out] -> [out][in]
        wt.extend(w[j::nout])
    tensors["fc.weight"] = Tensor("F32", (nout, nin), wt.tobytes())
    ops.append({"op": "linear", "name": "fc", "weight": "fc.weight", "bias": None, "in_features": nin,
                "out_features": nout, "output_shape": [nout]})
    expected_versions += [2, 2]
    if list(reversed(expected_versions)) != parsed["versions"]:
        raise DlibFormatError(
            "the wrapper (add_layer/tag/skip) sequence does not match the dlib_face_recognition_resnet_model_v1 "
            "topology this converter knows"
        )
    tensors["input.mean"] = Tensor("F32", (3,), _f32_bytes(parsed["mean"]))

    def count(kind):
        n = 0
        for o in ops:
            n += o["op"] == kind
            if o["op"] == "residual":
                n += sum(m["op"] == kind for m in o["main"] + o["shortcut"] + o["post"])
        return n

    params = sum(t.numel for k, t in tensors.items() if k != "input.mean")
    network = {
        "name": "dlib_face_recognition_resnet_model_v1",
        "input": {"height": parsed["input_size"][0], "width": parsed["input_size"][1], "channels": ["R", "G", "B"],
                  "layout": "NCHW", "mean_tensor": "input.mean", "mean": parsed["mean"], "scale": 1.0 / 256.0,
                  "normalize": "x[c,h,w] = (float(pixel[h,w,c]) - mean[c]) * scale"},
        "layers": ops,
        "output": {"dim": nout, "normalized": False, "distance": "euclidean", "same_person_below": 0.6},
        "conventions": {
            "conv": "cross-correlation, zero padding p on each side, output = 1 + (H + 2p - k) // s",
            "pool": "window top-left (r*s - p, c*s - p), output = 1 + (H + 2p - k) // s; avg = mean of k*k",
            "add_zero_pad": "result shape = elementwise max of the operand shapes; operands aligned at "
                            "channel 0 / pixel (0,0) and zero-padded at the end",
            "linear": "y[j] = sum_i weight[j, i] * x[i]",
        },
        "counts": {"conv": count("conv"), "affine": count("affine"), "relu": count("relu"),
                   "residual": count("residual"), "parameters": params},
        "loss_metric": parsed["loss"],
    }
    return tensors, network


# ---------------------------------------------------------------------------------------------
# Shape predictor


def parse_shape_predictor(data: bytes):
    r = Reader(data)
    if r.int() != 1:
        r.fail("unsupported shape_predictor version")
    nr, nc, init = r.matrix_f32()
    if nc != 1 or nr % 2 or nr == 0:
        r.fail(f"initial shape is {nr}x{nc}, expected (2*landmarks)x1")
    L = nr // 2
    if L != 5:
        raise DlibFormatError(f"this is a {L}-point shape predictor; only the 5-point model is supported "
                              "(the 68-point model must not be used)")
    K = r.uint()
    T = S = None
    split_idx = array("i")
    split_thresh = array("f")
    leaves = array("f")
    for c in range(K):
        t = r.uint()
        if T is None:
            T = t
        elif t != T:
            r.fail(f"cascade {c} has {t} trees, cascade 0 has {T}")
        for _ in range(t):
            s = r.uint()
            if S is None:
                S = s
                if (S + 1) & S:
                    r.fail(f"{S} splits per tree is not a complete binary tree")
            elif s != S:
                r.fail(f"tree with {s} splits, expected {S}")
            for _k in range(s):
                split_idx.append(r.uint())
                split_idx.append(r.uint())
                split_thresh.append(r.float32())
            nl = r.uint()
            if nl != S + 1:
                r.fail(f"tree with {S} splits has {nl} leaves")
            for _k in range(nl):
                lr, lc = r.int(), r.int()
                if (abs(lr), abs(lc)) != (2 * L, 1):
                    r.fail(f"leaf is {abs(lr)}x{abs(lc)}, expected {2 * L}x1")
                r.floats32(2 * L, leaves)
    if r.uint() != K:
        r.fail("anchor_idx does not have one entry per cascade")
    anchors = array("i")
    P = None
    for c in range(K):
        p = r.uint()
        if P is None:
            P = p
        elif p != P:
            r.fail(f"cascade {c} has {p} feature pixels, expected {P}")
        for _ in range(p):
            a = r.uint()
            if a >= L:
                r.fail(f"anchor index {a} >= {L} landmarks")
            anchors.append(a)
    if r.uint() != K:
        r.fail("deltas does not have one entry per cascade")
    deltas = array("f")
    for c in range(K):
        if r.uint() != P:
            r.fail(f"cascade {c}: deltas count differs from anchor count {P}")
        r.floats32(2 * P, deltas)
    if r.p != r.n:
        r.fail(f"{r.n - r.p} unexpected bytes after the model")
    if split_idx and max(split_idx) >= P:
        raise DlibFormatError(f"split feature index {max(split_idx)} >= {P} feature pixels")
    for name, values in (("initial shape", init), ("thresholds", split_thresh), ("leaves", leaves), ("deltas", deltas)):
        if not all(map(math.isfinite, values)):
            raise DlibFormatError(f"non-finite value in the shape predictor's {name}")
    depth = (S + 1).bit_length() - 1
    tensors = {
        "initial_shape": Tensor("F32", (L, 2), init.tobytes()),
        "split_idx": Tensor("I32", (K, T, S, 2), split_idx.tobytes()),
        "split_thresh": Tensor("F32", (K, T, S), split_thresh.tobytes()),
        "leaf_values": Tensor("F32", (K, T, S + 1, L, 2), leaves.tobytes()),
        "anchor_idx": Tensor("I32", (K, P), anchors.tobytes()),
        "deltas": Tensor("F32", (K, P, 2), deltas.tobytes()),
    }
    info = {
        "name": "shape_predictor_5_face_landmarks",
        "num_landmarks": L, "cascades": K, "trees_per_cascade": T, "tree_depth": depth,
        "splits_per_tree": S, "leaves_per_tree": S + 1, "feature_pixels": P,
        "coordinates": "box-normalised: x_img = left + (right - left) * x, y_img = top + (bottom - top) * y "
                       "(dlib rectangle, right/bottom inclusive)",
        "point_order": ["outer corner of the eye at larger x", "inner corner of the eye at larger x",
                        "outer corner of the eye at smaller x", "inner corner of the eye at smaller x",
                        "below the nose"],
        "tree_walk": "i = 0; while i < splits: i = 2*i+1 if I[idx1] - I[idx2] > thresh else 2*i+2; leaf = i - splits",
        "feature_intensity": "(R + G + B) // 3 at the rounded (floor(v + 0.5)) pixel, 0 outside the image",
    }
    return tensors, info


# ---------------------------------------------------------------------------------------------


def detect_kind(data: bytes) -> str:
    r = Reader(data)
    try:
        if r.int() != 1:
            raise DlibFormatError("unknown leading version")
        c = data[r.p] if r.p < len(data) else None
        if c is not None and c & 0x80:  # negative matrix row count: shape predictor
            return "shape-predictor"
        s = r.string()
        if s.startswith("loss_"):
            return "resnet"
    except DlibFormatError:
        pass
    raise DlibFormatError("not a recognised dlib model (neither the face ResNet nor a shape predictor)")


def convert_bytes(data: bytes, kind: str = "auto"):
    """Return (tensors, metadata) for the model bytes."""
    if sys.byteorder != "little":
        raise DlibFormatError("this converter runs on little-endian hosts only")
    if kind == "auto":
        kind = detect_kind(data)
    if kind == "resnet":
        tensors, network = build_resnet(parse_resnet(data))
        meta = {"format": RESNET_FORMAT, "network": json.dumps(network, separators=(",", ":"))}
    elif kind == "shape-predictor":
        tensors, info = parse_shape_predictor(data)
        meta = {"format": SHAPE_FORMAT, "shape_predictor": json.dumps(info, separators=(",", ":"))}
    else:
        raise DlibFormatError(f"unknown kind {kind!r}")
    return tensors, meta


def convert_file(src: str, dst: str, kind: str = "auto"):
    try:
        with open(src, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DlibFormatError(f"cannot read {src}: {e.strerror}") from None
    tensors, meta = convert_bytes(data, kind)
    meta["source_file"] = os.path.basename(src)
    meta["source_sha256"] = hashlib.sha256(data).hexdigest()
    write_safetensors(dst, tensors, meta)
    return tensors, meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="dlib face ResNet / 5-point shape predictor .dat -> safetensors")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--kind", choices=["auto", "resnet", "shape-predictor"], default="auto")
    args = ap.parse_args(argv)
    try:
        convert_file(args.input, args.output, args.kind)
    except (DlibFormatError, OSError) as e:
        print(f"convert_dlib_model: {args.input}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
