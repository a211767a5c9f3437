"""Starts and stops `sphere-gallery serve` for the HTTP tests, on loopback only, and talks
to it with the standard library. Every wait here is bounded."""
import http.client
import json
import os
import pathlib
import re
import signal
import ssl
import subprocess
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("SPHERE_GALLERY_BIN", str(ROOT / ".build" / "release" / "sphere-gallery"))


def cli(*args, check=True, timeout=120):
    """Runs the CLI; returns the CompletedProcess (text)."""
    result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"sphere-gallery {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def vector_gallery(folder, dim=8):
    """A new empty gallery for `dim`-d vectors; returns its path."""
    path = os.path.join(folder, "g.sqlite")
    cli("init", "--db", path, "--model", "test", "--dim", str(dim))
    return path


def create_key(db, name, scope):
    out = cli("keys", "create", "--db", db, "--name", name, "--scope", scope).stdout
    return out.strip()


class Server:
    """`sphere-gallery serve --port 0` on 127.0.0.1: `with Server(db) as s: s.request(...)`."""

    def __init__(self, db, *extra, ready_timeout=120, tls=None):
        self.db, self.extra, self.ready_timeout, self.tls = db, list(extra), ready_timeout, tls
        self.process = None
        self.port = None
        self.log = tempfile.NamedTemporaryFile(prefix="serve-", suffix=".log", delete=False)

    def start(self):
        args = [BIN, "serve", "--db", self.db, "--host", "127.0.0.1", "--port", "0", *self.extra]
        if self.tls:
            args += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 60
        while self.port is None:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"server did not start: {self.output()}")
            m = re.search(r"serving https?://127\.0\.0\.1:(\d+)/", self.output())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        self.wait_ready()
        return self

    def output(self):
        return pathlib.Path(self.log.name).read_text(errors="replace")

    def wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not ready after {self.ready_timeout} s: {self.output()}")

    def connection(self, timeout=60):
        if self.tls:
            context = ssl.create_default_context(cafile=self.tls[0])
            context.check_hostname = False
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, key=None, json_body=None, body=None, content_type=None, timeout=60):
        """(status, headers, parsed JSON or bytes) of one request on a new connection."""
        headers = {}
        if key:
            headers["Authorization"] = "Bearer " + key
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        connection = self.connection(timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kind = response.getheader("Content-Type", "")
            parsed = json.loads(data) if "json" in kind and data else data
            return response.status, dict(response.getheaders()), parsed
        finally:
            connection.close()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server and waits for it; returns its exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError(f"server ignored {sig!r} for {timeout} s")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.stop()
        os.unlink(self.log.name)


def multipart(fields):
    """A multipart/form-data body of (name, filename, bytes) parts: (body, content type)."""
    boundary = uuid.uuid4().hex
    chunks = []
    for name, filename, data in fields:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
