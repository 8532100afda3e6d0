"""sesamed's HTTPS listener against real clients: curl with and without the development client
certificate, keep-alive (two requests, one connection), problem documents for 404/405, limits
(431 for oversized headers, 413 for an oversized body, 400 for garbage), and a raw TLS client
pipelining two requests."""

import json
import os
import socket
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(__file__))
from harness import check, main_with_binaries, read_log, run, start_sesamed  # noqa: E402
from racs_test import free_port  # noqa: E402


def body(tmp, children, sesamed, sesame):
    if subprocess.run(["which", "curl"], capture_output=True).returncode != 0:
        print("SKIPPED: no curl")
        sys.exit(77)
    state = os.path.join(tmp, "state")
    port = free_port()
    config = os.path.join(tmp, "sesamed.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nlog_level = "debug"\n[demo]\ncreate_cards = true\n'
                f'[http]\nenabled = true\nport = {port}\nmax_header_bytes = 2048\nmax_body_bytes = 1024\n')
    log = os.path.join(tmp, "sesamed.log")
    p = start_sesamed(children, sesamed, config, state, log)
    check(f"HTTPS listening on 127.0.0.1:{port}" in read_log(log), "sesamed logs where HTTPS listens")
    pki = os.path.join(state, "pki")
    ca, cert, key = (os.path.join(pki, n) for n in ("ca.pem", "admin.pem", "admin.key"))
    base = f"https://localhost:{port}"
    creds = ["--cacert", ca, "--cert", cert, "--key", key]

    def curl(*args):
        return run(["curl", "-sS", "--max-time", "20", *args])

    r = curl(*creds, "-w", "\\n%{http_code} %{content_type}", f"{base}/health")
    body_text, status = r.stdout.rsplit("\n", 1)
    check(r.returncode == 0 and status == "200 application/json" and json.loads(body_text) == {"status": "ok"},
          f"GET /health with the client certificate ({r.stdout!r} {r.stderr!r})")
    r = curl(*creds, f"{base}/v1/info")
    info = json.loads(r.stdout)
    check(info["client_certificate_cn"] == "admin" and info["cards"] >= 1, f"/v1/info names the client ({info})")

    r = curl("--cacert", ca, f"{base}/health")
    check(r.returncode != 0, f"without a client certificate the handshake fails ({r.stderr.strip()})")

    r = curl(*creds, "-v", f"{base}/health", f"{base}/v1/info")
    check(r.returncode == 0 and "Re-using existing connection" in r.stderr, "two requests share one kept-alive connection")

    r = curl(*creds, "-w", "\\n%{http_code} %{content_type}", f"{base}/nothing")
    doc, status = r.stdout.rsplit("\n", 1)
    check(status == "404 application/problem+json" and json.loads(doc)["status"] == 404, f"404 problem ({r.stdout!r})")
    r = curl(*creds, "-X", "DELETE", "-i", f"{base}/health")
    check(r.stdout.startswith("HTTP/1.1 405") and "Allow: GET" in r.stdout, f"405 with Allow ({r.stdout[:80]!r})")
    r = curl(*creds, "-H", "X-Big: " + "a" * 3000, "-w", "%{http_code}", "-o", "/dev/null", f"{base}/health")
    check(r.stdout == "431", f"oversized headers get 431 ({r.stdout})")
    r = curl(*creds, "--data-binary", "b" * 2000, "-w", "%{http_code}", "-o", "/dev/null", f"{base}/health")
    check(r.stdout == "413", f"an oversized body gets 413 ({r.stdout})")

    # Raw TLS: two pipelined requests, then garbage (400 and the connection closed).
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=15), server_hostname="localhost")
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while got.count(b"HTTP/1.1 ") < 2 or not got.endswith(b"}"):
        data = s.recv(65536)
        if not data:
            break
        got += data
    check(got.startswith(b"HTTP/1.1 200 OK") and b"HTTP/1.1 404 Not Found" in got, "pipelined requests answered in order")
    s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    rest = b""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            rest += data
    except (ssl.SSLError, ConnectionResetError, OSError):
        pass
    check(rest.startswith(b"HTTP/1.1 400 Bad Request") and b"Connection: close" in rest,
          f"garbage gets 400 and the connection is closed ({rest[:60]!r})")
    s.close()
    r = curl(*creds, f"{base}/health")
    check(r.returncode == 0 and "ok" in r.stdout, "the listener goes on after a bad client")

    rc = children.stop(p)
    check(rc == 0, f"sesamed stops cleanly with HTTPS connections ({rc})")


if __name__ == "__main__":
    main_with_binaries(body)
