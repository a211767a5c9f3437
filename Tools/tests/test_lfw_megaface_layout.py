"""lfw_megaface_layout: probes = people with ≥ N images, distractors = one image of each other person."""
import os
import tempfile
import unittest

import _support  # noqa: F401  (puts Tools on sys.path)
from lfw_megaface_layout import layout


class LayoutTests(unittest.TestCase):
    def test_split_and_links(self):
        with tempfile.TemporaryDirectory() as tmp:
            lfw = os.path.join(tmp, "images")
            counts = {"Ann": 3, "Bob": 1, "Cy": 2, "Dee": 1}
            for name, n in counts.items():
                os.makedirs(os.path.join(lfw, name))
                for i in range(n, 0, -1):
                    open(os.path.join(lfw, name, f"{name}_{i:04d}.jpg"), "w").close()
            open(os.path.join(lfw, "Ann", "notes.txt"), "w").close()
            out = os.path.join(tmp, "layout")
            result = layout(lfw, out, min_images=2)
            self.assertEqual(result, {"probe_identities": 2, "probe_images": 5, "distractors": 2})
            self.assertEqual(sorted(os.listdir(os.path.join(out, "probes"))), ["Ann", "Cy"])
            self.assertEqual(sorted(os.listdir(os.path.join(out, "probes", "Ann"))),
                             ["Ann_0001.jpg", "Ann_0002.jpg", "Ann_0003.jpg"])
            self.assertEqual(sorted(os.listdir(os.path.join(out, "distractors"))), ["Bob_0001.jpg", "Dee_0001.jpg"])
            link = os.path.join(out, "distractors", "Bob_0001.jpg")
            self.assertTrue(os.path.islink(link))
            self.assertEqual(os.path.realpath(link), os.path.realpath(os.path.join(lfw, "Bob", "Bob_0001.jpg")))
            # Rebuilding replaces the tree; the distractor cap holds.
            self.assertEqual(layout(lfw, out, min_images=3, max_distractors=1)["distractors"], 1)
            self.assertEqual(os.listdir(os.path.join(out, "probes")), ["Ann"])


if __name__ == "__main__":
    unittest.main()
