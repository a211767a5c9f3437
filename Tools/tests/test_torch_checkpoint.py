"""convert_torch_checkpoint: real facenet-pytorch files, hand-made zip/legacy checkpoints, errors."""
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile

import _support
from _support import read_safetensors
import convert_torch_checkpoint as ctc
from safetensors_io import Tensor

# ----------------------------------------------------------------------------------------------
# A tiny pickle writer: emits the exact opcodes torch.save produces for a state dict (protocol 2).


def _str(s):
    b = s.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(b)) + b


def _int(i):
    return pickle.BININT + struct.pack("<i", i)


def _global(mod, name):
    return pickle.GLOBAL + mod.encode() + b"\n" + name.encode() + b"\n"


def _tuple(items):
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def _ordered_dict(pairs):
    out = _global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE
    if pairs:
        out += pickle.MARK + b"".join(_str(k) + v for k, v in pairs) + pickle.SETITEMS
    return out


def _tensor(pid_fields, offset, size, stride):
    pid = _tuple(pid_fields) + pickle.BINPERSID
    args = _tuple([pid, _int(offset), _tuple([_int(s) for s in size]), _tuple([_int(s) for s in stride]),
                   pickle.NEWFALSE, _ordered_dict([])])
    return _global("torch._utils", "_rebuild_tensor_v2") + args + pickle.REDUCE


def _pickle(body):
    return pickle.PROTO + b"\x02" + body + pickle.STOP


STORAGES = {  # key -> (type name, raw little-endian bytes)
    "0": ("FloatStorage", struct.pack("<8f", 1.5, -2.0, 3.25, 4.0, 5.0, 6.0, 0.5, -0.25)),
    "1": ("LongStorage", struct.pack("<4q", 1, -2, 3, 2**40)),
    "2": ("DoubleStorage", struct.pack("<4d", 0.1, 0.2, 0.3, 0.4)),
}
# name -> (storage key, offset, size, stride)
TENSORS = [
    ("module.layer.weight", "0", 0, (2, 3), (3, 1)),
    ("module.layer.bias", "0", 6, (2,), (1,)),  # same storage, offset 6
    ("module.layer.weight_t", "0", 0, (3, 2), (1, 3)),  # transposed (column-major) view
    ("module.steps", "1", 0, (4,), (1,)),
    ("module.gram", "2", 0, (2, 2), (1, 2)),
    ("module.scalar", "2", 3, (), ()),
]


def expected(name):
    import numpy as np

    _, key, off, size, stride = next(t for t in TENSORS if t[0] == name)
    tname, raw = STORAGES[key]
    dt = {"FloatStorage": "<f4", "LongStorage": "<i8", "DoubleStorage": "<f8"}[tname]
    base = np.frombuffer(raw, dtype=dt)
    it = base.itemsize
    return np.lib.stride_tricks.as_strided(base[off:], shape=size, strides=tuple(s * it for s in stride)).copy()


def zip_checkpoint(extra_global=None):
    pairs = []
    for name, key, off, size, stride in TENSORS:
        tname, raw = STORAGES[key]
        pid = [_str("storage"), _global("torch", tname), _str(key), _str("cpu"), _int(len(raw) // (4 if tname == "FloatStorage" else 8))]
        pairs.append((name, _tensor(pid, off, size, stride)))
    if extra_global:
        pairs.append(("evil", _global(*extra_global) + _tuple([_str("echo hacked")]) + pickle.REDUCE))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("ckpt/data.pkl", _pickle(_ordered_dict(pairs)))
        z.writestr("ckpt/byteorder", "little")
        for key, (_, raw) in STORAGES.items():
            z.writestr(f"ckpt/data/{key}", raw)
        z.writestr("ckpt/version", "3\n")
    return buf.getvalue()


def legacy_checkpoint():
    keys = {"0": "140000000001", "1": "140000000002", "2": "140000000003"}
    pairs = []
    for name, key, off, size, stride in TENSORS:
        tname, raw = STORAGES[key]
        n = len(raw) // (4 if tname == "FloatStorage" else 8)
        pid = [_str("storage"), _global("torch", tname), _str(keys[key]), _str("cpu"), _int(n), pickle.NONE]
        pairs.append((name, _tensor(pid, off, size, stride)))
    out = _pickle(pickle.LONG1 + bytes([10]) + (0x1950A86A20F9469CFC6C).to_bytes(10, "little"))
    out += _pickle(_int(1001))
    out += _pickle(pickle.EMPTY_DICT + _str("little_endian") + pickle.NEWTRUE + pickle.SETITEM)
    out += _pickle(_ordered_dict(pairs))
    order = sorted(keys, key=lambda k: keys[k])
    out += _pickle(pickle.EMPTY_LIST + pickle.MARK + b"".join(_str(keys[k]) for k in order) + pickle.APPENDS)
    for k in order:
        tname, raw = STORAGES[k]
        out += struct.pack("<q", len(raw) // (4 if tname == "FloatStorage" else 8)) + raw
    return out


class HandMadeCheckpointTest(unittest.TestCase):
    def check(self, tensors):
        import numpy as np

        self.assertEqual(set(tensors), {t[0][len("module."):] for t in TENSORS})
        for name, *_ in TENSORS:
            got = tensors[name[len("module."):]].numpy()
            want = expected(name)
            self.assertEqual(got.shape, want.shape, name)
            self.assertEqual(got.dtype, want.dtype, name)
            self.assertTrue(np.array_equal(got, want), name)
        self.assertEqual(tensors["layer.weight_t"].numpy().tolist(), [[1.5, 4.0], [-2.0, 5.0], [3.25, 6.0]])
        self.assertEqual(tensors["layer.bias"].numpy().tolist(), [0.5, -0.25])
        self.assertEqual(tensors["steps"].dtype, "I64")
        self.assertEqual(tensors["scalar"].shape, ())

    def test_zip_format(self):
        tensors, fmt = ctc.convert_bytes(zip_checkpoint(), prefix_strip=["module."])
        self.assertEqual(fmt, "zip")
        self.check(tensors)

    def test_legacy_format(self):
        tensors, fmt = ctc.convert_bytes(legacy_checkpoint(), prefix_strip=["module."])
        self.assertEqual(fmt, "legacy")
        self.check(tensors)

    def test_cli_writes_safetensors(self):
        with tempfile.TemporaryDirectory() as d:
            src, dst = os.path.join(d, "m.pt"), os.path.join(d, "m.safetensors")
            with open(src, "wb") as f:
                f.write(zip_checkpoint())
            p = subprocess.run([sys.executable, os.path.join(_support.TOOLS_DIR, "convert_torch_checkpoint.py"),
                                src, dst, "--prefix-strip", "module."], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            tensors, meta = read_safetensors(dst)
            self.check(tensors)
            self.assertEqual(meta["source_format"], "zip")

    def test_refuses_foreign_globals(self):
        with self.assertRaisesRegex(ctc.ConversionError, "refusing pickle global os.system"):
            ctc.convert_bytes(zip_checkpoint(extra_global=("os", "system")))
        with self.assertRaisesRegex(ctc.ConversionError, "refusing pickle global builtins.eval"):
            ctc.convert_bytes(zip_checkpoint(extra_global=("builtins", "eval")))

    def test_truncated_and_garbage(self):
        legacy = legacy_checkpoint()
        for cut in (1, 10, 40, len(legacy) // 2, len(legacy) - 5):
            with self.assertRaises(ctc.ConversionError, msg=f"cut {cut}") as cm:
                ctc.convert_bytes(legacy[:cut])
            self.assertRegex(str(cm.exception), "truncated|ends|cannot read")
        z = zip_checkpoint()
        for cut in (100, len(z) // 2, len(z) - 30):
            with self.assertRaises(ctc.ConversionError, msg=f"zip cut {cut}"):
                ctc.convert_bytes(z[:cut])
        with self.assertRaisesRegex(ctc.ConversionError, "not a PyTorch checkpoint"):
            ctc.convert_bytes(b"hello world, not a checkpoint")
        with self.assertRaisesRegex(ctc.ConversionError, "empty"):
            ctc.convert_bytes(b"")

    def test_out_of_bounds_view(self):
        bad = zip_checkpoint().replace(b"ckpt/data/0", b"ckpt/data/0")  # same archive, then shrink storage 0
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(bad)) as zin, zipfile.ZipFile(buf, "w") as zout:
            for n in zin.namelist():
                zout.writestr(n, zin.read(n)[:8] if n == "ckpt/data/0" else zin.read(n))
        with self.assertRaisesRegex(ctc.ConversionError, "reaches element"):
            ctc.convert_bytes(buf.getvalue())

    def test_cli_error_exit(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "bad.pt")
            with open(src, "wb") as f:
                f.write(legacy_checkpoint()[:-7])
            p = subprocess.run([sys.executable, os.path.join(_support.TOOLS_DIR, "convert_torch_checkpoint.py"),
                                src, os.path.join(d, "o.safetensors")], capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertIn("truncated", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "o.safetensors")))


class RealMTCNNTest(unittest.TestCase):
    """The real facenet-pytorch 2.6.0 legacy checkpoints vs the shared reference safetensors."""

    COUNTS = {"pnet": (13, 6632), "rnet": (16, 100178), "onet": (21, 389040)}

    def test_bit_for_bit(self):
        for net, (n_tensors, n_floats) in self.COUNTS.items():
            with self.subTest(net=net):
                src = _support.cached_source(f"{net}.pt")
                ref, _ = read_safetensors(_support.testvector("mtcnn", f"{net}.safetensors"))
                with open(src, "rb") as f:
                    got, fmt = ctc.convert_bytes(f.read())
                self.assertEqual(fmt, "legacy")
                self.assertEqual(set(got), set(ref))
                self.assertEqual(len(got), n_tensors)
                self.assertEqual(sum(t.numel for t in got.values()), n_floats)
                for k in ref:
                    self.assertEqual(got[k].dtype, ref[k].dtype, k)
                    self.assertEqual(tuple(got[k].shape), tuple(ref[k].shape), k)
                    self.assertEqual(got[k].data, ref[k].data, k)  # bit for bit
                # the file fetch_models.sh put in the cache holds the same tensors
                cached, meta = read_safetensors(_support.cached_output(f"mtcnn_{net}.safetensors"))
                self.assertEqual(cached, got)
                self.assertEqual(meta["source_format"], "legacy")

    def test_truncated_real_file(self):
        with open(_support.cached_source("rnet.pt"), "rb") as f:
            data = f.read()
        with self.assertRaisesRegex(ctc.ConversionError, "truncated"):
            ctc.convert_bytes(data[: len(data) - 1000])


if __name__ == "__main__":
    unittest.main()
