#!/usr/bin/env python3
"""Convert a PyTorch state dict (``torch.save`` file) to safetensors, without torch.

Usage::

    convert_torch_checkpoint.py IN.pt OUT.safetensors [--prefix-strip PREFIX]... [--select KEY]
    convert_torch_checkpoint.py IN.pt --list

Pure Python 3.11 standard library (no torch, no numpy). Both ``torch.save`` formats are read:

* **legacy** (torch < 1.6, and ``_use_new_zipfile_serialization=False``): five pickles back to back
  — magic number ``0x1950a86a20f9469cfc6c``, protocol version ``1001``, sys-info dict, the object
  pickle (storages are persistent ids ``('storage', type, key, location, numel, view)``), the list
  of storage keys — then, for each key in that list's order, an 8-byte little-endian element count
  followed by the raw little-endian storage bytes.
* **zip** (torch >= 1.6 default): ``<folder>/data.pkl`` (object pickle, persistent ids
  ``('storage', type, key, location, numel)``) and one raw entry ``<folder>/data/<key>`` per storage.

Unpickling is restricted: only the globals a state dict needs are resolved
(``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` / ``_rebuild_tensor`` /
``_rebuild_parameter`` / ``_rebuild_parameter_with_state``, ``torch._tensor._rebuild_from_type_v2``
for plain tensors / parameters, ``torch.Size``, ``torch.<Type>Storage``, ``torch.UntypedStorage``).
Any other global makes the conversion fail; nothing from the file is executed.

Tensors are rebuilt from (storage, element offset, size, stride). Any non-negative strides are
applied (the facenet-pytorch MTCNN weights are stored column-major, e.g. size (10,3,3,3) stride
(1,10,30,90)); the output is always C-contiguous. Output keys are the state-dict names (nested
dicts are flattened with '.'); non-tensor values are skipped with a note on stderr. Output dtypes:
F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL (copied bit for bit).

``__metadata__`` of the output: ``format`` = ``pytorch-state-dict``, ``source_format`` =
``legacy`` | ``zip``, ``source_file`` (base name), ``source_sha256``.

Exit status 0 on success, 1 on a conversion error (message on stderr), 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import io
import os
import pickle
import struct
import sys
import zipfile
from array import array
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import Tensor, write_safetensors  # noqa: E402

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

#: torch storage class name -> (safetensors dtype, element size)
STORAGE_DTYPES: Dict[str, Tuple[str, int]] = {
    "FloatStorage": ("F32", 4),
    "DoubleStorage": ("F64", 8),
    "HalfStorage": ("F16", 2),
    "BFloat16Storage": ("BF16", 2),
    "LongStorage": ("I64", 8),
    "IntStorage": ("I32", 4),
    "ShortStorage": ("I16", 2),
    "CharStorage": ("I8", 1),
    "ByteStorage": ("U8", 1),
    "BoolStorage": ("BOOL", 1),
    "UntypedStorage": ("U8", 1),
}

_ARRAY_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}


class ConversionError(Exception):
    """The input is not a readable PyTorch state dict; the message says why."""


# ---------------------------------------------------------------------------------------------
# Restricted unpickling


class StorageType:
    def __init__(self, name: str):
        self.name = name
        self.dtype, self.itemsize = STORAGE_DTYPES[name]

    def __repr__(self):
        return f"torch.{self.name}"


class StorageRef:
    """A storage referenced by a persistent id; `data` is filled in once the payload is read."""

    def __init__(self, key: str, stype: StorageType, numel: Optional[int]):
        self.key, self.stype, self.numel = key, stype, numel
        self.data: Optional[bytes] = None


class StorageView:
    """Legacy storage view: `base` storage starting at element `offset`, `numel` elements."""

    def __init__(self, base: StorageRef, offset: int, numel: int):
        self.base, self.offset, self.numel = base, offset, numel


class TensorRef:
    def __init__(self, storage, offset, size, stride):
        if isinstance(storage, StorageView):
            offset += storage.offset
            storage = storage.base
        if not isinstance(storage, StorageRef):
            raise ConversionError(f"tensor rebuilt from a non-storage object {type(storage).__name__}")
        self.storage, self.offset = storage, int(offset)
        self.size = tuple(int(s) for s in size)
        self.stride = tuple(int(s) for s in stride)
        if len(self.size) != len(self.stride):
            raise ConversionError(f"tensor size {self.size} and stride {self.stride} differ in rank")


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    return TensorRef(storage, storage_offset, size, stride)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    return data


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return data


class _TypeMarker:
    def __init__(self, name):
        self.name = name


_PLAIN_TYPES = ("torch.Tensor", "torch.nn.parameter.Parameter", "torch.nn.Parameter")


def _rebuild_from_type_v2(func, new_type, args, state):
    if not (isinstance(new_type, _TypeMarker) and new_type.name in _PLAIN_TYPES):
        raise ConversionError(f"tensor subclass {getattr(new_type, 'name', new_type)!r} is not supported")
    return func(*args)


def _torch_size(dims=()):
    return tuple(dims)


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Size"): _torch_size,
    ("torch", "Tensor"): _TypeMarker("torch.Tensor"),
    ("torch.nn.parameter", "Parameter"): _TypeMarker("torch.nn.parameter.Parameter"),
    ("torch.nn", "Parameter"): _TypeMarker("torch.nn.Parameter"),
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the allow-listed globals and records storage references."""

    def __init__(self, file, storage_for):
        super().__init__(file)
        self._storage_for = storage_for  # callable(pid tuple) -> StorageRef | StorageView

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module in ("torch", "torch.cuda") and name in STORAGE_DTYPES:
            return StorageType(name)
        raise ConversionError(
            f"refusing pickle global {module}.{name}: not part of a plain state dict "
            "(only tensors, OrderedDict and torch storages are allowed)"
        )

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise ConversionError(f"unsupported persistent id {pid!r:.80}")
        return self._storage_for(pid)


def _storage_type(obj) -> StorageType:
    if isinstance(obj, StorageType):
        return obj
    if isinstance(obj, str):  # some writers store the name as a string
        n = obj.rsplit(".", 1)[-1]
        if n in STORAGE_DTYPES:
            return StorageType(n)
    raise ConversionError(f"unsupported storage type {obj!r}")


class _Storages:
    def __init__(self):
        self.by_key: Dict[str, StorageRef] = {}

    def get(self, key: str, stype: StorageType, numel: Optional[int]) -> StorageRef:
        ref = self.by_key.get(key)
        if ref is None:
            ref = self.by_key[key] = StorageRef(key, stype, numel)
        elif ref.stype.name != stype.name:
            raise ConversionError(f"storage {key} used with two types ({ref.stype!r}, {stype!r})")
        return ref


# ---------------------------------------------------------------------------------------------
# The two container formats


def _pickle_error(what: str, e: Exception) -> ConversionError:
    if isinstance(e, ConversionError):
        return e
    if isinstance(e, EOFError):
        return ConversionError(f"file ends inside the {what} (truncated file?)")
    return ConversionError(f"cannot read the {what}: {type(e).__name__}: {e}")


def load_legacy(data: bytes):
    f = io.BytesIO(data)
    storages = _Storages()

    def storage_for(pid):
        if len(pid) != 6:
            raise ConversionError(f"legacy storage id has {len(pid)} fields, expected 6")
        _, stype, key, _location, numel, view = pid
        ref = storages.get(str(key), _storage_type(stype), int(numel))
        if view is not None:
            # (view_key, offset, size): a view into the root storage `key`, starting at `offset`
            _view_key, offset, view_numel = view
            return StorageView(ref, int(offset), int(view_numel))
        return ref

    def plain(what):
        try:
            return RestrictedUnpickler(f, storage_for).load()
        except Exception as e:  # noqa: BLE001 - turned into a clear message
            raise _pickle_error(what, e) from None

    magic = plain("magic number")
    if magic != LEGACY_MAGIC:
        raise ConversionError("not a PyTorch legacy checkpoint (wrong magic number)")
    proto = plain("protocol version")
    if proto != LEGACY_PROTOCOL:
        raise ConversionError(f"unsupported legacy protocol version {proto!r} (expected {LEGACY_PROTOCOL})")
    sysinfo = plain("sys info")
    if isinstance(sysinfo, dict) and sysinfo.get("little_endian") is False:
        raise ConversionError("big-endian checkpoints are not supported")
    obj = plain("object pickle")
    keys = plain("storage key list")
    if not isinstance(keys, list):
        raise ConversionError("storage key list is not a list")
    for key in keys:
        key = str(key)
        ref = storages.by_key.get(key)
        if ref is None:
            raise ConversionError(f"storage key {key} in the key list is not referenced by the object pickle")
        head = f.read(8)
        if len(head) != 8:
            raise ConversionError(f"file ends before the size of storage {key} (truncated file?)")
        (count,) = struct.unpack("<q", head)
        if count < 0:
            raise ConversionError(f"storage {key} has a negative element count")
        nbytes = count * ref.stype.itemsize
        payload = f.read(nbytes)
        if len(payload) != nbytes:
            raise ConversionError(
                f"storage {key}: needs {nbytes} bytes but only {len(payload)} remain (truncated file?)"
            )
        ref.data, ref.numel = payload, count
    rest = len(data) - f.tell()
    if rest:
        print(f"note: {rest} trailing bytes after the last storage ignored", file=sys.stderr)
    return obj, storages


def load_zip(data: bytes):
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ConversionError(f"corrupt or truncated zip checkpoint: {e}") from None
    pkl = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl")]
    if not pkl:
        raise ConversionError("zip file has no data.pkl: not a torch.save checkpoint")
    prefix = min(pkl, key=len)[: -len("data.pkl")]

    def read(name):
        try:
            return zf.read(name)
        except KeyError:
            raise ConversionError(f"zip checkpoint lacks entry {name}") from None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise ConversionError(f"cannot read zip entry {name}: {e} (truncated file?)") from None

    if prefix + "byteorder" in names and read(prefix + "byteorder").strip() not in (b"little", b""):
        raise ConversionError("big-endian checkpoints are not supported")
    storages = _Storages()

    def storage_for(pid):
        if len(pid) != 5:
            raise ConversionError(f"zip storage id has {len(pid)} fields, expected 5")
        _, stype, key, _location, numel = pid
        return storages.get(str(key), _storage_type(stype), int(numel))

    try:
        obj = RestrictedUnpickler(io.BytesIO(read(prefix + "data.pkl")), storage_for).load()
    except Exception as e:  # noqa: BLE001
        raise _pickle_error("object pickle (data.pkl)", e) from None
    for key, ref in storages.by_key.items():
        payload = read(f"{prefix}data/{key}")
        if len(payload) % ref.stype.itemsize:
            raise ConversionError(f"storage {key}: {len(payload)} bytes is not a multiple of {ref.stype.itemsize}")
        ref.data = payload
        ref.numel = len(payload) // ref.stype.itemsize
    return obj, storages


def load_checkpoint(data: bytes):
    """Return (object, storages, format name) for a torch.save file given as bytes."""
    if data[:4] == b"PK\x03\x04":
        obj, st = load_zip(data)
        return obj, st, "zip"
    if data[:1] == b"\x80":
        obj, st = load_legacy(data)
        return obj, st, "legacy"
    if len(data) == 0:
        raise ConversionError("empty file")
    raise ConversionError("not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)")


# ---------------------------------------------------------------------------------------------
# Tensors


def materialize(t: TensorRef) -> Tensor:
    """Gather a (possibly strided) tensor into contiguous little-endian bytes."""
    ref = t.storage
    if ref.data is None:
        raise ConversionError(f"storage {ref.key} has no data in the file")
    itemsize = ref.stype.itemsize
    numel_storage = len(ref.data) // itemsize
    size, stride, offset = t.size, t.stride, t.offset
    n = 1
    for s in size:
        if s < 0:
            raise ConversionError(f"negative tensor size {size}")
        n *= s
    if n == 0:
        return Tensor(ref.stype.dtype, size, b"")
    if offset < 0 or any(st < 0 for st in stride):
        raise ConversionError(f"negative storage offset/stride ({offset}, {stride}) not supported")
    last = offset + sum((s - 1) * st for s, st in zip(size, stride))
    if last >= numel_storage:
        raise ConversionError(
            f"tensor (offset {offset}, size {size}, stride {stride}) reaches element {last} "
            f"of storage {ref.key} which has only {numel_storage}"
        )
    contiguous = []
    acc = 1
    for s in reversed(size):
        contiguous.append(acc)
        acc *= s
    contiguous.reverse()
    if all(s == 1 or st == c for s, st, c in zip(size, stride, contiguous)):
        raw = ref.data[offset * itemsize : (offset + n) * itemsize]
        return Tensor(ref.stype.dtype, size, bytes(raw))
    src = memoryview(ref.data).cast(_ARRAY_CODES[itemsize])
    idx = [offset]
    for s, st in zip(size, stride):
        idx = [i + k * st for i in idx for k in range(s)]
    out = array(_ARRAY_CODES[itemsize], [src[i] for i in idx])
    return Tensor(ref.stype.dtype, size, out.tobytes())


def flatten(obj, prefix: str = "", skipped: Optional[List[str]] = None) -> Dict[str, TensorRef]:
    out: Dict[str, TensorRef] = {}
    if isinstance(obj, TensorRef):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k), skipped))
    elif isinstance(obj, (list, tuple)) and any(isinstance(v, (TensorRef, dict)) for v in obj):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}.{i}" if prefix else str(i), skipped))
    elif skipped is not None:
        skipped.append(prefix or "<root>")
    return out


def convert_bytes(data: bytes, prefix_strip=(), select: Optional[str] = None):
    """Convert checkpoint bytes: return ({name: Tensor}, source format)."""
    if sys.byteorder != "little":
        raise ConversionError("this converter runs on little-endian hosts only")
    obj, _, fmt = load_checkpoint(data)
    if select:
        for part in select.split("."):
            if not isinstance(obj, dict) or part not in obj:
                raise ConversionError(f"--select {select}: key {part!r} not found")
            obj = obj[part]
    skipped: List[str] = []
    refs = flatten(obj, "", skipped)
    if skipped:
        print(f"note: skipped {len(skipped)} non-tensor value(s): {', '.join(skipped[:8])}", file=sys.stderr)
    if not refs:
        raise ConversionError("the checkpoint holds no tensors")
    tensors: Dict[str, Tensor] = {}
    for name, ref in refs.items():
        for p in prefix_strip:
            if p and name.startswith(p):
                name = name[len(p):]
                break
        if name in tensors:
            raise ConversionError(f"two tensors named {name!r} after --prefix-strip")
        tensors[name] = materialize(ref)
    return tensors, fmt


def convert_file(src: str, dst: str, prefix_strip=(), select: Optional[str] = None) -> Dict[str, Tensor]:
    try:
        with open(src, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ConversionError(f"cannot read {src}: {e.strerror}") from None
    tensors, fmt = convert_bytes(data, prefix_strip, select)
    meta = {
        "format": "pytorch-state-dict",
        "source_format": fmt,
        "source_file": os.path.basename(src),
        "source_sha256": hashlib.sha256(data).hexdigest(),
    }
    write_safetensors(dst, tensors, meta)
    return tensors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="PyTorch state dict (.pt, legacy or zip) -> safetensors, without torch.")
    ap.add_argument("input")
    ap.add_argument("output", nargs="?")
    ap.add_argument("--prefix-strip", action="append", default=[], metavar="PREFIX",
                    help="remove PREFIX from tensor names that start with it (repeatable, e.g. 'module.')")
    ap.add_argument("--select", metavar="KEY", help="convert only obj[KEY] (dotted path), e.g. 'state_dict'")
    ap.add_argument("--list", action="store_true", help="print name, dtype, shape of each tensor; write nothing")
    args = ap.parse_args(argv)
    if not args.list and not args.output:
        ap.error("OUTPUT is required unless --list is given")
    try:
        if args.list:
            with open(args.input, "rb") as f:
                tensors, fmt = convert_bytes(f.read(), args.prefix_strip, args.select)
            print(f"# {args.input}: {fmt} format, {len(tensors)} tensors")
            for name, t in tensors.items():
                print(f"{name}\t{t.dtype}\t{list(t.shape)}")
        else:
            convert_file(args.input, args.output, args.prefix_strip, args.select)
    except (ConversionError, OSError) as e:
        print(f"convert_torch_checkpoint: {args.input}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
