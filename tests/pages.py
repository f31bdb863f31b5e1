"""A local web server for the sources tests: pages to add by URL, on 127.0.0.1 at a free port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"
PAGES: dict[str, tuple[str, bytes]] = {
    "/travel/night-trains": ("text/html; charset=utf-8", (FORMATS / "night_trains.html").read_bytes()),
    "/notes/harmonica.md": ("text/markdown", (FORMATS / "glass_harmonica.md").read_bytes()),
    "/image.png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/travel/night-trains")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content_type, body = PAGES.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def page_server() -> Iterator[str]:
    """Serve :data:`PAGES` on 127.0.0.1 (a free port); yields the base URL, stops afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
