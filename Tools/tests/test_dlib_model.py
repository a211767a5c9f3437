"""convert_dlib_model: primitives, the real face ResNet (structure + forward pass vs dlib's
descriptors) and the real 5-point shape predictor, plus refusal of bad / 68-point inputs."""
import glob
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import _support
from _support import read_safetensors
import convert_dlib_model as cdm


def enc_int(v):
    mag = abs(v)
    n = max(1, (mag.bit_length() + 7) // 8)
    return bytes([n | (0x80 if v < 0 else 0)]) + mag.to_bytes(n, "little")


def enc_float(x):
    m, e = math.frexp(x)
    mant = int(m * (1 << 53))
    exp = e - 53
    while mant and mant % 256 == 0:
        mant //= 256
        exp += 8
    return enc_int(mant) + enc_int(exp)


class PrimitivesTest(unittest.TestCase):
    def test_examples_from_the_notes(self):
        r = cdm.Reader(bytes.fromhex("0102 020001 8111 810a 0362 90f5 8111 010d") + b"loss_metric_2" + b"10")
        self.assertEqual(r.int(), 2)
        self.assertEqual(r.int(), 256)
        self.assertEqual(r.int(), -17)
        self.assertEqual(r.int(), -10)
        v = r.float32()
        self.assertEqual(v, struct.unpack("<f", struct.pack("<f", 122.782))[0])
        self.assertAlmostEqual(v, 122.78199768, places=7)
        self.assertEqual(r.string(), "loss_metric_2")
        self.assertEqual((r.bool(), r.bool()), (True, False))
        self.assertEqual(r.p, r.n)

    def test_truncated_integer(self):
        with self.assertRaisesRegex(cdm.DlibFormatError, "truncated"):
            cdm.Reader(bytes.fromhex("0300")).int()


class ResNetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.src = _support.cached_source("dlib_face_recognition_resnet_model_v1.dat")
        with open(cls.src, "rb") as f:
            cls.data = f.read()
        cls.tensors, cls.meta = cdm.convert_bytes(cls.data)
        cls.net = json.loads(cls.meta["network"])

    def test_tensor_names_and_shapes(self):
        t = self.tensors
        self.assertEqual(len(t), 118)
        self.assertEqual(t["stem.conv.weight"].shape, (32, 3, 7, 7))
        self.assertEqual(t["fc.weight"].shape, (128, 256))
        self.assertNotIn("fc.bias", t)
        convs = sorted(k for k in t if k.endswith(".weight") and "conv" in k)
        self.assertEqual(len(convs), 29)
        self.assertEqual(len([k for k in t if k.endswith(".gamma")]), 29)
        widths = [32] * 3 + [64] * 4 + [128] * 3 + [256] * 4
        cin = 32
        for i, n in enumerate(widths):
            self.assertEqual(t[f"blocks.{i}.conv1.weight"].shape, (n, cin, 3, 3))
            self.assertEqual(t[f"blocks.{i}.conv2.weight"].shape, (n, n, 3, 3))
            for s in ("conv1.bias", "conv2.bias", "affine1.gamma", "affine1.beta", "affine2.gamma", "affine2.beta"):
                self.assertEqual(t[f"blocks.{i}.{s}"].shape, (n,))
            cin = n
        self.assertEqual(sum(v.numel for k, v in t.items() if k != "input.mean"), 5614592)
        self.assertTrue(all(v.dtype == "F32" for v in t.values()))

    def test_metadata(self):
        net = self.net
        self.assertEqual(self.meta["format"], "sphere-gallery.dlib-resnet.v1")
        self.assertEqual(net["counts"], {"conv": 29, "affine": 29, "relu": 29, "residual": 14, "parameters": 5614592})
        f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]  # noqa: E731
        self.assertEqual(net["input"]["mean"], [f32(122.782), f32(117.001), f32(104.298)])
        self.assertEqual(self.tensors["input.mean"].numpy().tolist(), net["input"]["mean"])
        self.assertEqual(net["input"]["scale"], 1 / 256)
        self.assertEqual(net["input"]["channels"], ["R", "G", "B"])
        ops = net["layers"]
        self.assertEqual([o["op"] for o in ops[:4]], ["conv", "affine", "relu", "max_pool"])
        self.assertEqual(ops[0]["stride"], [2, 2])
        self.assertEqual(ops[0]["padding"], [0, 0])
        self.assertEqual(ops[3]["output_shape"], [32, 35, 35])
        blocks = [o for o in ops if o["op"] == "residual"]
        self.assertEqual([b["downsample"] for b in blocks].count(True), 4)
        self.assertEqual([i for i, b in enumerate(blocks) if b["downsample"]], [3, 7, 10, 13])
        self.assertEqual([b["output_shape"] for b in blocks if b["downsample"]],
                         [[64, 17, 17], [128, 8, 8], [256, 4, 4], [256, 2, 2]])
        # the odd spatial steps the notes warn about: main path 3x3 / 1x1 vs shortcut 4x4 / 2x2
        self.assertEqual(blocks[10]["main"][-1]["output_shape"], [256, 3, 3])
        self.assertEqual(blocks[10]["shortcut"][0]["output_shape"], [128, 4, 4])
        self.assertEqual(blocks[13]["main"][-1]["output_shape"], [256, 1, 1])
        self.assertEqual(blocks[13]["shortcut"][0]["output_shape"], [256, 2, 2])
        for b in blocks:
            if b["downsample"]:
                self.assertEqual(b["main"][0]["stride"], [2, 2])
                self.assertEqual(b["main"][0]["padding"], [0, 0])
                self.assertEqual(b["shortcut"][0], {"op": "avg_pool", "kernel": [2, 2], "stride": [2, 2],
                                                    "padding": [0, 0], "output_shape": b["shortcut"][0]["output_shape"]})
            else:
                self.assertEqual(b["shortcut"], [])
                self.assertEqual(b["main"][0]["padding"], [1, 1])
            self.assertEqual(b["main"][3]["stride"], [1, 1])
            self.assertEqual(b["main"][3]["padding"], [1, 1])
        self.assertEqual([o["op"] for o in ops[-2:]], ["global_avg_pool", "linear"])
        self.assertEqual(ops[-1]["output_shape"], [128])
        self.assertFalse(net["output"]["normalized"])

    def test_fc_transposed(self):
        # dlib stores the fc matrix W[in][out] (input-major); the output holds W^T = [out][in]
        import numpy as np

        fc_layer = cdm.parse_resnet(self.data)["layers"][-1]
        self.assertEqual((fc_layer["type"], fc_layer["in"], fc_layer["out"]), ("fc", 256, 128))
        w_in_out = np.frombuffer(fc_layer["weight_in_out"], dtype="<f4").reshape(256, 128)
        self.assertTrue(np.array_equal(self.tensors["fc.weight"].numpy(), w_in_out.T))
        self.assertTrue(np.isfinite(w_in_out).all())

    def test_forward_pass_matches_dlib_descriptors(self):
        import numpy as np

        chips = sorted(glob.glob(os.path.join(_support.testvector("dlib", "chips"), "*.png")))
        self.assertEqual(len(chips), 24)
        chips = chips[::2]  # 12 of the 24 keep the suite fast; all 24 agree to 3e-7 as well
        worst = 0.0
        for p in chips:
            ref = np.fromfile(p.replace(os.sep + "chips" + os.sep, os.sep + "descriptors" + os.sep)[:-4] + ".f32",
                              dtype="<f4")
            got = _support.dlib_forward(self.tensors, self.net, _support.read_png(p))
            worst = max(worst, float(np.abs(got - ref).max()))
        # README tolerance 1e-4; a numpy float32 port of the notes reaches ~3e-7
        self.assertLess(worst, 1e-5)

    def test_cached_output_is_the_same(self):
        cached, meta = read_safetensors(_support.cached_output("dlib_resnet_v1.safetensors"))
        self.assertEqual(cached, self.tensors)
        self.assertEqual(meta["network"], self.meta["network"])
        self.assertEqual(meta["source_sha256"], "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30")

    def test_truncated_and_wrong_kind(self):
        for cut in (20, 300, 5000, len(self.data) // 2, len(self.data) - 1):
            with self.assertRaises(cdm.DlibFormatError, msg=f"cut {cut}"):
                cdm.convert_bytes(self.data[:cut])
        with self.assertRaisesRegex(cdm.DlibFormatError, "not a recognised dlib model"):
            cdm.convert_bytes(b"\x89PNG\r\n\x1a\n garbage")
        with self.assertRaises(cdm.DlibFormatError):
            cdm.convert_bytes(self.data, kind="shape-predictor")


class ShapePredictorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.src = _support.cached_source("shape_predictor_5_face_landmarks.dat")
        cls.tensors, cls.meta = read_safetensors(_support.cached_output("dlib_shape_predictor_5.safetensors"))

    def test_fresh_conversion_equals_cache(self):
        with tempfile.TemporaryDirectory() as d:
            dst = os.path.join(d, "sp.safetensors")
            p = subprocess.run([sys.executable, os.path.join(_support.TOOLS_DIR, "convert_dlib_model.py"), self.src, dst],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            fresh, meta = read_safetensors(dst)
        self.assertEqual(fresh, self.tensors)
        self.assertEqual(meta, self.meta)

    def test_layout(self):
        import numpy as np

        t = {k: v.numpy() for k, v in self.tensors.items()}
        info = json.loads(self.meta["shape_predictor"])
        self.assertEqual(self.meta["format"], "sphere-gallery.dlib-shape-predictor.v1")
        self.assertEqual((info["num_landmarks"], info["cascades"], info["trees_per_cascade"], info["tree_depth"],
                          info["feature_pixels"]), (5, 15, 500, 4, 800))
        shapes = {k: v.shape for k, v in t.items()}
        self.assertEqual(shapes, {"initial_shape": (5, 2), "split_idx": (15, 500, 15, 2), "split_thresh": (15, 500, 15),
                                  "leaf_values": (15, 500, 16, 5, 2), "anchor_idx": (15, 800), "deltas": (15, 800, 2)})
        self.assertEqual(self.tensors["split_idx"].dtype, "I32")
        notes = [(0.7763, 0.3455), (0.6186, 0.3538), (0.2265, 0.3455), (0.3842, 0.3538), (0.5014, 0.6576)]
        self.assertTrue(np.allclose(t["initial_shape"], notes, atol=6e-5))
        self.assertTrue((t["split_idx"] >= 0).all() and (t["split_idx"] < 800).all())
        self.assertTrue((t["anchor_idx"] >= 0).all() and (t["anchor_idx"] < 5).all())
        for name in ("split_thresh", "leaf_values", "deltas"):
            self.assertTrue(np.isfinite(t[name]).all(), name)
        # notes: every feature pixel is anchored to the nearest initial-shape landmark
        pos = t["initial_shape"][t["anchor_idx"]] + t["deltas"]  # [15, 800, 2]
        d = ((pos[:, :, None, :] - t["initial_shape"][None, None]) ** 2).sum(-1)
        self.assertTrue((d.argmin(-1) == t["anchor_idx"]).all())

    def test_68_point_model_refused(self):
        data = enc_int(1) + enc_int(-136) + enc_int(-1) + b"".join(enc_float(0.5) for _ in range(136)) + enc_int(0)
        with self.assertRaisesRegex(cdm.DlibFormatError, "68-point"):
            cdm.convert_bytes(data)

    def test_truncated(self):
        with open(self.src, "rb") as f:
            data = f.read()
        for cut in (3, 1000, 300000):
            with self.assertRaisesRegex(cdm.DlibFormatError, "truncated|invalid|end of file", msg=f"cut {cut}"):
                cdm.convert_bytes(data[:cut], kind="shape-predictor")


if __name__ == "__main__":
    unittest.main()
