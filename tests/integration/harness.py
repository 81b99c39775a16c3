"""Runs the real strata binary on a free loopback port with a temporary data dir.

Used by the integration tests; only the Python standard library is needed.
"""
import gzip
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir=None, config_text=None):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="strata-it-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.config = os.path.join(self.tmp, "strata.yaml")
        with open(self.config, "w") as f:
            f.write(config_text or "")
        self.port = None
        self.proc = None
        self.log_path = os.path.join(self.tmp, "strata.log")

    def start(self, timeout=30):
        self.port = free_port()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--config", self.config,
             "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"strata exited with {self.proc.returncode}:\n{self.read_log()}")
            try:
                code, _, _ = self.request("GET", "/-/ready")
                if code == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("strata did not become ready\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method, path, body=None, headers=None, timeout=60):
        req = urllib.request.Request(self.url(path), data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def post_json(self, path, obj, gzip_body=False):
        body = json.dumps(obj).encode()
        headers = {"Content-Type": "application/json"}
        if gzip_body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        code, hdrs, data = self.request("POST", path, body, headers)
        return code, (json.loads(data) if data else None)

    def get_json(self, path, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        code, _, data = self.request("GET", path + ("?" + q if q else ""))
        return code, json.loads(data)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            rc = self.proc.wait(timeout=timeout)
            self.log.close()
            return rc
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- remote_write 1.0 bodies: protobuf WriteRequest + snappy block format ---------------

def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, wire, payload):
    key = _varint((num << 3) | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def write_request(series):
    """series: list of (labels dict, [(ts_ms, value), ...])."""
    out = bytearray()
    for labels, samples in series:
        ts = bytearray()
        for k in sorted(labels):
            ts += _field(1, 2, _field(1, 2, k.encode()) + _field(2, 2, labels[k].encode()))
        for t, v in samples:
            s = _field(1, 1, struct.pack("<d", v)) + _field(2, 0, _varint(t & 0xFFFFFFFFFFFFFFFF))
            ts += _field(2, 2, s)
        out += _field(1, 2, bytes(ts))
    return bytes(out)


def snappy_block(data):
    """Snappy block format using literals only: valid, uncompressed."""
    out = bytearray(_varint(len(data)))
    i = 0
    while i < len(data):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += chunk
        i += len(chunk)
    return bytes(out)


def remote_write(server, series):
    body = snappy_block(write_request(series))
    return server.request("POST", "/api/v1/write", body, {
        "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
        "X-Prometheus-Remote-Write-Version": "0.1.0"})


def ensure_node():
    """Installs Debian's nodejs and npm when missing (the npm clients of the tests run on them)."""
    if shutil.which("node") and shutil.which("npm"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "nodejs", "npm"], env=env, check=True)


def npm_install(packages):
    """Installs npm `packages` into a fresh temporary prefix and returns it."""
    prefix = tempfile.mkdtemp(prefix="strata-npm-")
    subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                    "--loglevel=error", *packages], check=True, stdout=subprocess.DEVNULL)
    return prefix


def wait_query(srv, query, want, timeout=60):
    """Polls the instant query until `want(result)` holds; returns the last result."""
    deadline = time.time() + timeout
    result = []
    while time.time() < deadline:
        code, r = srv.get_json("/api/v1/query", query=query)
        if code == 200:
            result = r["data"]["result"]
            if want(result):
                return result
        time.sleep(0.3)
    return result
