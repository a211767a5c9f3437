"""The service as a process: keys from the CLI, concurrent clients, SIGTERM, kill -9, TLS."""
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from _server import Server, cli, create_key, vector_gallery

DIM = 8


def unit(rng):
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    n = sum(x * x for x in v) ** 0.5
    return [x / n for x in v]


class KeyCommandTests(unittest.TestCase):
    def test_create_prints_only_the_key_and_revoke_locks_it_out(self):
        with tempfile.TemporaryDirectory() as d:
            db = vector_gallery(d, DIM)
            out = cli("keys", "create", "--db", db, "--name", "app", "--scope", "identify").stdout
            self.assertRegex(out, r"^sg_[0-9a-f]{16}_[0-9a-f]{64}\n$")
            key = out.strip()
            listing = cli("keys", "list", "--db", db).stdout
            self.assertIn("app", listing)
            self.assertNotIn(key.split("_")[2], listing)
            with open(db, "rb") as f:
                self.assertNotIn(key.encode(), f.read())
            with Server(db) as server:
                self.assertEqual(server.request("GET", "/v1/gallery", key)[0], 200)
                cli("keys", "revoke", "--db", db, "app")
                self.assertEqual(server.request("GET", "/v1/gallery", key)[0], 401)
            audit = cli("audit", "--db", db, "--json").stdout
            self.assertIn('"action":"key-create"', audit)
            self.assertIn('"action":"key-revoke"', audit)

    def test_a_non_loopback_address_without_tls_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            db = vector_gallery(d, DIM)
            result = cli("serve", "--db", db, "--host", "0.0.0.0", "--port", "0", check=False, timeout=30)
            self.assertEqual(result.returncode, 1)
            self.assertIn("--insecure", result.stderr)


class ConcurrencyTests(unittest.TestCase):
    def test_every_acknowledged_enrolment_is_found_by_concurrent_identify_clients(self):
        with tempfile.TemporaryDirectory() as d:
            db = vector_gallery(d, DIM)
            enrol_key = create_key(db, "enrol", "enrol")
            identify_key = create_key(db, "identify", "identify")
            acknowledged = {}
            lock = threading.Lock()
            errors = []
            done = threading.Event()

            with Server(db) as server:
                def enroller(worker):
                    rng = random.Random(worker)
                    for i in range(25):
                        name = f"person-{worker}-{i}"
                        vector = unit(rng)
                        status, _, body = server.request("POST", f"/v1/identities/{name}/faces", enrol_key,
                                                         json_body={"vectors": [vector]})
                        if status == 200 and body["results"][0]["outcome"] == "enrolled":
                            with lock:
                                acknowledged[name] = vector
                        else:
                            errors.append((status, body))

                def identifier(worker):
                    rng = random.Random(100 + worker)
                    deadline = time.monotonic() + 120
                    while not done.is_set() and time.monotonic() < deadline:
                        status, _, body = server.request("POST", "/v1/identify/vectors", identify_key,
                                                         json_body={"vectors": [unit(rng) for _ in range(3)], "top_k": 3})
                        if status != 200 or len(body["results"]) != 3:
                            errors.append((status, body))

                enrollers = [threading.Thread(target=enroller, args=(w,)) for w in range(4)]
                identifiers = [threading.Thread(target=identifier, args=(w,)) for w in range(4)]
                for t in enrollers + identifiers:
                    t.start()
                for t in enrollers:
                    t.join(timeout=180)
                done.set()
                for t in identifiers:
                    t.join(timeout=60)

                self.assertEqual(errors, [])
                self.assertEqual(len(acknowledged), 100)
                names = list(acknowledged)
                status, _, body = server.request("POST", "/v1/identify/vectors", identify_key,
                                                 json_body={"vectors": [acknowledged[n] for n in names], "top_k": 1})
                self.assertEqual(status, 200)
                self.assertEqual([r["decision"] for r in body["results"]], names)
                self.assertEqual(server.stop(), 0)
            listed = cli("list", "--db", db, "--json").stdout
            for name in names:
                self.assertIn(f'"{name}"', listed)


class CrashTests(unittest.TestCase):
    def test_kill_9_during_enrolments_loses_nothing_acknowledged(self):
        with tempfile.TemporaryDirectory() as d:
            db = vector_gallery(d, DIM)
            key = create_key(db, "enrol", "enrol")
            acknowledged = []
            lock = threading.Lock()
            server = Server(db).start()
            stop = threading.Event()

            def enroller(worker):
                rng = random.Random(worker)
                for i in range(400):
                    if stop.is_set():
                        return
                    name = f"p{worker}-{i}"
                    try:
                        status, _, _ = server.request("POST", f"/v1/identities/{name}/faces", key,
                                                      json_body={"vectors": [unit(rng)]}, timeout=10)
                    except OSError:
                        return
                    if status == 200:
                        with lock:
                            acknowledged.append(name)

            threads = [threading.Thread(target=enroller, args=(w,)) for w in range(4)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 60
            while len(acknowledged) < 40 and time.monotonic() < deadline:
                time.sleep(0.01)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=30)
            stop.set()
            for t in threads:
                t.join(timeout=30)
            self.assertGreaterEqual(len(acknowledged), 40)

            with Server(db) as again:
                missing = [n for n in acknowledged if again.request("GET", f"/v1/identities/{n}", key)[0] != 200]
                self.assertEqual(missing, [])
            self.assertIn('"templates"', cli("stats", "--db", db, "--json").stdout)


class ShutdownTests(unittest.TestCase):
    def test_sigterm_answers_requests_in_flight_then_exits_0(self):
        with tempfile.TemporaryDirectory() as d:
            db = vector_gallery(d, DIM)
            key = create_key(db, "enrol", "enrol")
            server = Server(db).start()
            results = []
            lock = threading.Lock()

            def client(worker):
                rng = random.Random(worker)
                for i in range(200):
                    try:
                        status, _, body = server.request("POST", f"/v1/identities/s{worker}-{i}/faces", key,
                                                         json_body={"vectors": [unit(rng) for _ in range(20)]}, timeout=30)
                    except (ConnectionRefusedError, ConnectionResetError):
                        return
                    except OSError as e:
                        with lock:
                            results.append(("error", repr(e)))
                        return
                    with lock:
                        results.append((status, f"s{worker}-{i}"))

            threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            self.assertEqual(server.stop(signal.SIGTERM, timeout=60), 0)
            for t in threads:
                t.join(timeout=60)
            ok = [name for status, name in results if status == 200]
            self.assertGreater(len(ok), 0)
            self.assertTrue(all(status in (200, 503) for status, _ in results), results[-5:])
            listed = cli("list", "--db", db, "--json").stdout
            self.assertEqual([n for n in ok if f'"{n}"' not in listed], [])


class TLSTests(unittest.TestCase):
    def test_the_api_answers_over_tls(self):
        with tempfile.TemporaryDirectory() as d:
            db = vector_gallery(d, DIM)
            key = create_key(db, "reader", "identify")
            cert, pem = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pem, "-out", cert,
                            "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)
            with Server(db, tls=(cert, pem)) as server:
                self.assertIn("https://", server.output())
                self.assertEqual(server.request("GET", "/v1/gallery", key)[0], 200)


if __name__ == "__main__":
    unittest.main()
