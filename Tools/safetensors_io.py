"""Minimal safetensors reader/writer (Python 3.11 stdlib only; numpy optional for `.numpy()`).

File layout (https://huggingface.co/docs/safetensors): an 8-byte little-endian unsigned header
length N, then N bytes of UTF-8 JSON, then the raw tensor bytes. The JSON maps each tensor name to
``{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}`` (offsets relative to the first
byte after the header, C-order, little-endian) and may hold ``"__metadata__"``: a map of str to str.

The writer here:
  * sorts tensor names and stores the data in that order without gaps;
  * pads the JSON with spaces to a multiple of 8 bytes (so every tensor starts 8-byte aligned
    relative to the file start when all sizes are multiples of 8 — not required by readers);
  * writes atomically: a temporary file in the destination directory, fsync, then ``os.replace``.

Used by ``convert_torch_checkpoint.py``, ``convert_dlib_model.py`` and the tests in ``tests/``.
"""
from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from typing import Dict, Iterable, Mapping, NamedTuple, Optional, Tuple

#: safetensors dtype name -> (bytes per element, numpy dtype string or None)
DTYPES: Dict[str, Tuple[int, Optional[str]]] = {
    "BOOL": (1, "|b1"),
    "U8": (1, "|u1"),
    "I8": (1, "|i1"),
    "I16": (2, "<i2"),
    "U16": (2, "<u2"),
    "F16": (2, "<f2"),
    "BF16": (2, None),  # no numpy dtype: .numpy() returns the raw bits as <u2
    "I32": (4, "<i4"),
    "U32": (4, "<u4"),
    "F32": (4, "<f4"),
    "F64": (8, "<f8"),
    "I64": (8, "<i8"),
    "U64": (8, "<u8"),
}

MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """A safetensors file (or a tensor handed to the writer) is malformed."""


class Tensor(NamedTuple):
    """One tensor: safetensors dtype name, shape (tuple of int) and raw little-endian C-order bytes."""

    dtype: str
    shape: Tuple[int, ...]
    data: bytes

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    def numpy(self):
        """The tensor as a numpy array (needs numpy; BF16 comes back as its raw uint16 bits)."""
        import numpy as np

        np_dtype = DTYPES[self.dtype][1] or "<u2"
        return np.frombuffer(self.data, dtype=np_dtype).reshape(self.shape)


def tensor_from_numpy(array) -> Tensor:
    """Wrap a numpy array (any layout) as a little-endian C-order `Tensor`."""
    import numpy as np

    a = np.asarray(array)
    for name, (_, np_dtype) in DTYPES.items():
        if np_dtype is not None and np.dtype(np_dtype) == a.dtype.newbyteorder("<"):
            le = np.ascontiguousarray(a, dtype=np.dtype(np_dtype))
            return Tensor(name, tuple(int(d) for d in a.shape), le.tobytes())
    raise SafetensorsError(f"numpy dtype {a.dtype} has no safetensors equivalent")


def _check_tensor(name: str, t: Tensor) -> None:
    if not isinstance(name, str) or not name or name == "__metadata__":
        raise SafetensorsError(f"invalid tensor name {name!r}")
    if t.dtype not in DTYPES:
        raise SafetensorsError(f"{name}: unsupported dtype {t.dtype!r}")
    if any((not isinstance(d, int)) or d < 0 for d in t.shape):
        raise SafetensorsError(f"{name}: invalid shape {t.shape!r}")
    want = math.prod(t.shape) * DTYPES[t.dtype][0]
    if len(t.data) != want:
        raise SafetensorsError(f"{name}: {len(t.data)} data bytes, shape {list(t.shape)} x {t.dtype} needs {want}")


def encode(tensors: Mapping[str, Tensor], metadata: Optional[Mapping[str, str]] = None) -> Iterable[bytes]:
    """Yield the chunks of a safetensors file holding `tensors` (+ optional string metadata)."""
    header: Dict[str, object] = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise SafetensorsError("__metadata__ must map str to str")
        header["__metadata__"] = dict(metadata)
    names = sorted(tensors)
    offset = 0
    for name in names:
        t = tensors[name]
        _check_tensor(name, t)
        header[name] = {"dtype": t.dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(t.data)]}
        offset += len(t.data)
    blob = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    blob += b" " * ((-len(blob)) % 8)
    yield struct.pack("<Q", len(blob))
    yield blob
    for name in names:
        yield tensors[name].data


def write_safetensors(path: str, tensors: Mapping[str, Tensor], metadata: Optional[Mapping[str, str]] = None) -> None:
    """Write `tensors` to `path` atomically (temporary file in the same directory + rename)."""
    chunks = list(encode(tensors, metadata))  # validates everything before touching the disk
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_header(data: bytes) -> Tuple[dict, int]:
    """Parse and validate the header of an in-memory safetensors file: (header dict, data start)."""
    if len(data) < 8:
        raise SafetensorsError(f"file too short for a safetensors header ({len(data)} bytes)")
    (n,) = struct.unpack_from("<Q", data, 0)
    if n > MAX_HEADER or 8 + n > len(data):
        raise SafetensorsError(f"header length {n} exceeds the file ({len(data)} bytes): truncated or not safetensors")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError("header is not a JSON object")
    return header, 8 + n


def read_safetensors(path: str) -> Tuple[Dict[str, Tensor], Dict[str, str]]:
    """Read a whole safetensors file: ({name: Tensor}, metadata). Checks offsets and sizes."""
    with open(path, "rb") as f:
        data = f.read()
    header, start = read_header(data)
    metadata = header.pop("__metadata__", None) or {}
    body = len(data) - start
    tensors: Dict[str, Tensor] = {}
    spans = []
    for name, info in header.items():
        try:
            dtype, shape, (b, e) = info["dtype"], tuple(info["shape"]), info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"{name}: malformed header entry {info!r}") from None
        if dtype not in DTYPES:
            raise SafetensorsError(f"{name}: unknown dtype {dtype!r}")
        if not (0 <= b <= e <= body):
            raise SafetensorsError(f"{name}: data_offsets {[b, e]} outside the data section ({body} bytes)")
        t = Tensor(dtype, shape, data[start + b : start + e])
        _check_tensor(name, t)
        tensors[name] = t
        spans.append((b, e))
    spans.sort()
    pos = 0
    for b, e in spans:
        if b != pos:
            raise SafetensorsError("tensor data overlaps or leaves a gap")
        pos = e
    if pos != body:
        raise SafetensorsError(f"{body - pos} bytes after the last tensor")
    return tensors, dict(metadata)
