"""A real HTTP server on 127.0.0.1 serving recorded responses, for the fetch tests.

Each route (path with query) has a list of responses served in turn (the last one repeats):
``Reply(status, body, content_type, cut)``; ``cut`` sends only that many bytes of the body
after announcing its full ``Content-Length`` and closes the connection (a truncated body).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: How often the serving thread checks for ``shutdown`` (seconds).
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/csv; charset=utf-8"
    cut: int | None = None


@dataclass
class Routes:
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def next(self, path: str) -> Reply | None:
        queue = self.replies.get(path)
        if not queue:
            return None
        n = self.hits.get(path, 0)
        self.hits[path] = n + 1
        return queue[min(n, len(queue) - 1)]


@contextmanager
def serve(routes: Routes) -> Iterator[str]:
    """Run the server in a thread; yields its base URL (``http://127.0.0.1:PORT``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reply = routes.next(self.path)
            if reply is None:
                reply = Reply(404, b"not found", "text/plain")
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            if reply.cut is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body if reply.cut is None else reply.body[: reply.cut])
            self.wfile.flush()
            if reply.cut is not None:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # ``shutdown`` waits for the loop's next poll: at the default (0.5 s) that was half a
    # second per test, idle; requests are served as they come either way.
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
