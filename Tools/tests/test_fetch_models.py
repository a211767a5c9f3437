"""fetch_models.sh behaviour that needs no network: the quick no-op, a clear error on a bad
archive, and what a real (already fetched) cache holds. The full download path is exercised by
running Tools/fetch_models.sh with an empty SPHERE_GALLERY_CACHE (see Tools/README.md)."""
import json
import os
import subprocess
import tempfile
import time
import unittest

import _support
import fetch_models

SCRIPT = os.path.join(_support.TOOLS_DIR, "fetch_models.sh")


def run(env_extra, *args):
    env = dict(os.environ, **env_extra)
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=120)


class FetchModelsTest(unittest.TestCase):
    def test_noop_when_complete(self):
        with tempfile.TemporaryDirectory() as cache:
            os.makedirs(os.path.join(cache, "sources"))
            for name in fetch_models.OUTPUTS:
                open(os.path.join(cache, name), "wb").close()
            for name in fetch_models.SOURCES:
                open(os.path.join(cache, "sources", name), "wb").close()
            with open(os.path.join(cache, "manifest.json"), "w") as f:
                json.dump({"converter_version": fetch_models.CONVERTER_VERSION,
                           "files": {n: {"bytes": 0} for n in fetch_models.OUTPUTS},
                           "sources": {n: {"bytes": 0} for n in fetch_models.SOURCES}}, f)
            t0 = time.monotonic()
            p = run({"SPHERE_GALLERY_CACHE": cache, "SPHERE_GALLERY_ARCHIVES": "/nonexistent"})
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("all model files present", p.stderr)
            self.assertLess(time.monotonic() - t0, 5)
            p = run({"SPHERE_GALLERY_CACHE": cache}, "--quiet")
            self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""))

    def test_bad_archive_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as arch:
            with open(os.path.join(arch, fetch_models.ARCHIVES["facenet-pytorch==2.6.0"]["file"]), "wb") as f:
                f.write(b"not the wheel")
            p = run({"SPHERE_GALLERY_CACHE": cache, "SPHERE_GALLERY_ARCHIVES": arch})
            self.assertEqual(p.returncode, 1)
            self.assertIn("SHA-256 mismatch", p.stderr)
            for name in fetch_models.OUTPUTS:
                self.assertFalse(os.path.exists(os.path.join(cache, name)))
            leftovers = [n for n in os.listdir(cache) if n.startswith(".download-")]
            self.assertEqual(leftovers, [])

    def test_real_cache_contents(self):
        cache = _support.cache_dir()
        for name in fetch_models.OUTPUTS:
            _support.cached_output(name)
        self.assertFalse(any("68" in n for n in os.listdir(os.path.join(cache, "sources"))))
        with open(os.path.join(cache, "manifest.json")) as f:
            manifest = json.load(f)
        self.assertEqual(set(manifest["files"]), set(fetch_models.OUTPUTS))
        self.assertEqual(set(manifest["sources"]), set(fetch_models.SOURCES))
        for name, entry in manifest["sources"].items():
            self.assertEqual(entry["bytes"], os.path.getsize(os.path.join(cache, "sources", name)))
        for out, entry in manifest["files"].items():
            self.assertEqual(entry["bytes"], os.path.getsize(os.path.join(cache, out)))
            self.assertEqual(entry["source_sha256"], fetch_models.SOURCES[entry["source"]])


if __name__ == "__main__":
    unittest.main()
