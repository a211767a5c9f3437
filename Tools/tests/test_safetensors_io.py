import os
import struct
import tempfile
import unittest

import _support  # noqa: F401  (sets sys.path)
from safetensors_io import SafetensorsError, Tensor, read_safetensors, write_safetensors


class SafetensorsIOTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "t.safetensors")

    def tearDown(self):
        self.tmp.cleanup()

    def test_roundtrip_and_layout(self):
        ts = {
            "b": Tensor("F32", (2, 2), struct.pack("<4f", 1, 2, 3, 4)),
            "a": Tensor("I64", (3,), struct.pack("<3q", -1, 0, 7)),
            "empty": Tensor("F64", (0, 5), b""),
        }
        write_safetensors(self.path, ts, {"k": "v"})
        back, meta = read_safetensors(self.path)
        self.assertEqual(meta, {"k": "v"})
        self.assertEqual(back, ts)
        with open(self.path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        self.assertEqual(n % 8, 0)
        self.assertEqual(len(data), 8 + n + 16 + 24)
        self.assertEqual([f for f in os.listdir(self.tmp.name)], ["t.safetensors"])  # no temp left

    def test_writer_rejects_bad_sizes(self):
        with self.assertRaises(SafetensorsError):
            write_safetensors(self.path, {"x": Tensor("F32", (3,), b"\0" * 8)})
        self.assertFalse(os.path.exists(self.path))

    def test_reader_rejects_truncated(self):
        write_safetensors(self.path, {"x": Tensor("F32", (4,), b"\0" * 16)})
        with open(self.path, "rb") as f:
            data = f.read()
        for cut in (4, 12, len(data) - 3):
            with open(self.path, "wb") as f:
                f.write(data[:cut])
            with self.assertRaises(SafetensorsError):
                read_safetensors(self.path)


if __name__ == "__main__":
    unittest.main()
