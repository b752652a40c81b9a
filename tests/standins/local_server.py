"""A small HTTP server on 127.0.0.1 in a thread of the test process, for the stand-ins of
tests/served/test_train_tab.py: handlers answer JSON and read JSON, form or ndjson bodies."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    """Routes each request to ``self.server.owner.answer(request)``, which returns
    (status, JSON body) or (status, None, {header: value}) for a redirect."""

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        parsed = urllib.parse.urlsplit(self.path)
        request = {
            "method": self.command,
            "path": parsed.path,
            "query": dict(urllib.parse.parse_qsl(parsed.query)),
            "headers": self.headers,
            "body": self.rfile.read(length) if length else b"",
        }
        status, body, *headers = self.server.owner.answer(request)
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in (headers[0] if headers else {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def log_message(self, format, *args):  # Quiet: the stand-ins keep their own records.
        pass


def start(owner) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``owner.answer`` on a free port; returns the server and its URL (no trailing slash)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.owner = owner
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def bearer(request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    value = request["headers"].get("Authorization") or ""
    return value[len("Bearer ") :] if value.startswith("Bearer ") else None
