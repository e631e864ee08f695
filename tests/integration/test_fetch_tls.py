"""TLS verification is always on: a server with an untrusted certificate is refused."""

from __future__ import annotations

import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from healthgap.sources.fetch import FetchError, RetryPolicy, download

SRC = Path(__file__).resolve().parents[2] / "src" / "healthgap" / "sources" / "fetch"


class _Csv(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"a,b\n1,2\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_self_signed_https_is_refused(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Csv)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    # poll for shutdown every 20 ms (the default, 0.5 s, left the test idle that long)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    dest = tmp_path / "out.csv"
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/x.csv"
        with pytest.raises(FetchError, match="TLS certificate check failed"):
            download(url, dest, policy=RetryPolicy(attempts=2, delay=0.0, timeout=5))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert not dest.exists()


def test_no_code_path_turns_verification_off() -> None:
    text = "\n".join(p.read_text() for p in SRC.glob("*.py"))
    for forbidden in ("verify=False", "CERT_NONE", "_create_unverified_context", "check_hostname"):
        assert forbidden not in text
