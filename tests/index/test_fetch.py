"""The safe URL fetcher against local HTTP servers on 127.0.0.1 and 127.0.0.2 (index/fetch.py)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from index.errors import FetchError
from index.fetch import Address, any_address, fetch, public_only, suggest_file_name

TLS = Path(__file__).resolve().parents[1] / "fixtures" / "tls"
LATIN1_PAGE = (
    "<html><head><title>Caf\u00e9s</title></head><body><article><p>Le caf\u00e9 est tr\u00e8s bon, et la "
    "cr\u00e8me br\u00fbl\u00e9e aussi. Nous y allons souvent le matin, avant le march\u00e9.</p></article>"
    "</body></html>"
).encode("latin-1")
STREAM_CAP = 64 * 1024 * 1024  # the endless body stops here, should the client never hang up


def only_first_loopback(address: Address) -> str | None:
    """The test's policy: 127.0.0.1 (where the test server is) is allowed, everything else judged as by default."""
    return None if str(address) == "127.0.0.1" else public_only(address)


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean

    def _send(self, status: int, content_type: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", headers.pop("length", str(len(body))))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, "text/plain", b"moved", Location=location)

    def do_GET(self) -> None:
        path, fleet = self.path, self.server.fleet
        if path.startswith("/hops/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/hops/{left - 1}" if left > 1 else "/articles/night-trains.html")
        elif path == "/elsewhere":
            self._redirect(f"http://127.0.0.2:{fleet.second.server_port}/articles/elsewhere.html")
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path.endswith(".html"):
            where = f"<p>served by {self.server.server_address[0]} for host {self.headers['Host']}</p>"
            self._send(200, "text/html; charset=utf-8", where.encode())
        elif path.startswith("/latin1/"):  # the charset in the header alone, or in the page too
            page = LATIN1_PAGE if path.endswith("bare") else b'<meta charset="windows-1252">' + LATIN1_PAGE
            self._send(200, "text/html; charset=ISO-8859-1", page)
        elif path == "/report.pdf":
            self._send(200, "application/pdf", b"%PDF-1.4 not really")
        elif path == "/image":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n")
        elif path == "/missing":
            self._send(404, "text/html", b"<p>no such page</p>")
        elif path == "/declared-huge":
            self._send(200, "text/plain", b"small", length="500000000")
        elif path == "/endless":
            self._endless()
        elif path == "/stall":
            fleet.release.wait()  # answers only when the test is over
            self._send(200, "text/plain", b"late")

    def _endless(self) -> None:
        # No Content-Length: the body goes on until the client hangs up (or the cap).
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        piece = b"x" * 65536
        try:
            while self.server.fleet.written < STREAM_CAP:
                self.wfile.write(piece)
                self.server.fleet.written += len(piece)
        except OSError:
            pass  # the client hung up, as it should past its limit
        finally:
            self.server.fleet.endless_done.set()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    fleet: Fleet


@dataclass
class Fleet:
    """Two servers, on 127.0.0.1 and on 127.0.0.2 (loopback too, so reachable), with the state tests wait on."""

    first: Server
    second: Server
    release: threading.Event
    endless_done: threading.Event
    written: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.first.server_port}{path}"


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    """Both servers on free ports, serving in threads; stopped (and any stalled answer released) afterwards."""
    first, second = Server(("127.0.0.1", 0), Handler), Server(("127.0.0.2", 0), Handler)
    state = Fleet(first, second, threading.Event(), threading.Event())
    threads = []
    for server in (first, second):
        server.fleet = state
        # A short poll interval only makes shutdown() prompt; requests are served as they come.
        threads.append(threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True))
        threads[-1].start()
    yield state
    state.release.set()
    for server in (first, second):
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join()


def test_fetches_a_page_with_final_url_type_time_and_file_name(fleet: Fleet) -> None:
    """A page behind two redirects: its bytes, the URL it was finally served from, its type, when, and a file name."""
    before = datetime.now(UTC)
    got = fetch(fleet.url("/hops/2"), policy=only_first_loopback)
    assert got.content == f"<p>served by 127.0.0.1 for host 127.0.0.1:{fleet.first.server_port}</p>".encode()
    assert got.url == fleet.url("/articles/night-trains.html")
    assert got.content_type == "text/html"
    assert before <= got.retrieved <= datetime.now(UTC)
    assert got.file_name == "night-trains.html"


def test_five_redirects_are_followed_and_the_sixth_is_refused(fleet: Fleet) -> None:
    """Exactly five redirects are followed; a sixth is one clear refusal."""
    assert fetch(fleet.url("/hops/5"), policy=only_first_loopback).url.endswith("/articles/night-trains.html")
    with pytest.raises(FetchError, match=r"more than 5 redirects; give the final address instead$"):
        fetch(fleet.url("/hops/6"), policy=only_first_loopback)


def test_redirect_to_a_private_address_is_refused(fleet: Fleet) -> None:
    """A redirect to 127.0.0.2 is checked like the first hop and refused, naming the address, why, and the setting."""
    with pytest.raises(FetchError) as caught:
        fetch(fleet.url("/elsewhere"), policy=only_first_loopback)
    message = str(caught.value)
    assert "refused: 127.0.0.2 is a loopback address" in message
    assert message.endswith("set ALLOW_PRIVATE_URLS=true to fetch from private addresses")
    assert "\n" not in message


def test_private_addresses_are_fetched_when_allowed(fleet: Fleet) -> None:
    """With ALLOW_PRIVATE_URLS the same redirect is followed, to the server on 127.0.0.2."""
    got = fetch(fleet.url("/elsewhere"), allow_private=True)
    assert got.content.startswith(b"<p>served by 127.0.0.2")


def test_loopback_is_refused_by_default(fleet: Fleet) -> None:
    """Without ALLOW_PRIVATE_URLS the first hop to 127.0.0.1 is refused before connecting."""
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is a loopback address; set ALLOW_PRIVATE_URLS=true"):
        fetch(fleet.url("/articles/a.html"))


def test_a_host_name_is_resolved_once_and_the_checked_address_is_connected_to(fleet: Fleet) -> None:
    """The host resolves to a refused and an allowed address: the allowed one serves, under the host's name."""
    calls: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[Address]:
        calls.append((host, port))
        return [ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("127.0.0.1")]

    port = fleet.first.server_port
    got = fetch(f"http://docs.test:{port}/a.html", policy=only_first_loopback, resolve=resolve)
    assert got.content == f"<p>served by 127.0.0.1 for host docs.test:{port}</p>".encode()
    assert got.url == f"http://docs.test:{port}/a.html"
    assert calls == [("docs.test", port)]


def test_an_internationalised_host_is_resolved_and_named_in_its_ascii_form(fleet: Fleet) -> None:
    """`bücher.test` is looked up, and sent in `Host`, as `xn--bcher-kva.test`, as DNS and servers know it."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[Address]:
        calls.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    port = fleet.first.server_port
    got = fetch(f"http://bücher.test:{port}/a.html", policy=only_first_loopback, resolve=resolve)
    assert calls == ["xn--bcher-kva.test"]
    assert got.content == f"<p>served by 127.0.0.1 for host xn--bcher-kva.test:{port}</p>".encode()


def test_a_host_resolving_only_to_refused_addresses_names_the_host(fleet: Fleet) -> None:
    """`<host> resolves to <address>, <why>`: the refusal says which name led where, in a sentence."""

    def resolve(host: str, port: int) -> list[Address]:
        return [ipaddress.ip_address("10.1.2.3")]

    with pytest.raises(FetchError, match=r"refused: intranet\.test resolves to 10\.1\.2\.3, a private address;"):
        fetch("http://intranet.test/", resolve=resolve)


def test_oversize_body_stops_the_download(fleet: Fleet) -> None:
    """A body with no declared length is read only until it passes the limit; then the connection is dropped."""
    with pytest.raises(FetchError, match=r"over the limit of 100,000 bytes; save a smaller part"):
        fetch(fleet.url("/endless"), policy=only_first_loopback, max_bytes=100_000)
    assert fleet.endless_done.wait(60)
    assert fleet.written < STREAM_CAP  # the server was cut off, it did not run to its cap


def test_declared_oversize_is_refused_before_reading(fleet: Fleet) -> None:
    """A Content-Length over the limit is refused from the headers alone."""
    with pytest.raises(FetchError, match=r"it is 500,000,000 bytes, over the limit of 20,971,520"):
        fetch(fleet.url("/declared-huge"), policy=only_first_loopback)


def test_wrong_content_type_is_refused(fleet: Fleet) -> None:
    """An image is not a source: the refusal names its type and the allowed ones, and, since servers
    often send a PDF as application/octet-stream, how to add one that is a page or a PDF all the same."""
    with pytest.raises(
        FetchError, match=r"its content type is image/png, not one of application/pdf, .*text/html"
    ) as e:
        fetch(fleet.url("/image"), policy=only_first_loopback)
    assert e.value.fix == "if it is a page or a PDF all the same, download it and add the file"


def test_pdf_is_fetched_with_a_pdf_file_name(fleet: Fleet) -> None:
    """A PDF keeps its name and suffix."""
    got = fetch(fleet.url("/report.pdf"), policy=only_first_loopback)
    assert (got.content_type, got.file_name) == ("application/pdf", "report.pdf")


def test_error_status_is_refused(fleet: Fleet) -> None:
    """A 404 is named with its status."""
    with pytest.raises(FetchError, match=r"the server answered 404 Not Found"):
        fetch(fleet.url("/missing"), policy=only_first_loopback)


def test_a_server_that_stalls_times_out(fleet: Fleet) -> None:
    """A server that accepts and never answers is given up on after the timeout, in one line."""
    with pytest.raises(FetchError, match=r"timed out: no answer in 0\.5 s; try again later"):
        fetch(fleet.url("/stall"), policy=only_first_loopback, timeout=0.5)


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/file.txt", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"]
)
def test_non_http_schemes_are_refused(url: str) -> None:
    """Only http and https are fetched; anything else is refused before any connection."""
    with pytest.raises(FetchError, match=r"is not allowed, only http and https; give an http:// or https:// address"):
        fetch(url, allow_private=True)


def test_redirect_to_a_non_http_scheme_is_refused(fleet: Fleet) -> None:
    """A redirect to file:// is refused like a first URL would be."""
    with pytest.raises(FetchError, match=r"it redirects to a refused address: file is not allowed"):
        fetch(fleet.url("/to-file"), policy=only_first_loopback)


def test_a_host_that_does_not_resolve_is_one_line() -> None:
    """A name with no address (the resolver's "Name or service not known") says so."""

    def resolve(host: str, port: int) -> list[Address]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchError, match=r"the host nothing\.invalid does not resolve \(Name or service not known\)"):
        fetch("https://nothing.invalid/page", resolve=resolve)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),  # the cloud metadata service
        ("224.0.0.1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("240.0.0.1", "a private address"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("::", "an unspecified address"),
        ("fec0::1", "a site-local address"),
        ("::ffff:127.0.0.1", "a loopback address (inside the IPv6 address ::ffff:7f00:1)"),
        ("::ffff:10.0.0.1", "a private address (inside the IPv6 address ::ffff:a00:1)"),
        ("2002:a00:1::", "a private address (inside the IPv6 address 2002:a00:1::)"),  # 6to4 of 10.0.0.1
        ("::127.0.0.1", "a reserved address"),  # IPv4-compatible, deprecated
    ],
)
def test_default_policy_refuses_every_non_public_address(address: str, reason: str) -> None:
    """Private, loopback, link-local, multicast, reserved, unspecified and IPv4-in-IPv6 forms of them are refused."""
    assert public_only(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"])
def test_default_policy_allows_public_addresses(address: str) -> None:
    """Public IPv4 and IPv6 addresses (and an IPv4-mapped public one) are allowed; any_address allows all."""
    assert public_only(ipaddress.ip_address(address)) is None
    assert any_address(ipaddress.ip_address("127.0.0.1")) is None


@pytest.mark.parametrize(
    ("url", "content_type", "name"),
    [
        ("https://g.example/travel/night-trains?id=3", "text/html", "night-trains.html"),
        ("https://g.example/a/Report%20(final).PDF", "application/pdf", "Report-final.pdf"),
        ("https://g.example/", "text/html", "g.example.html"),
        ("https://g.example/notes/../../etc/passwd", "text/plain", "passwd.txt"),
        ("https://g.example/.hidden", "text/markdown", "hidden.md"),
    ],
)
def test_suggested_file_name_is_safe_and_has_the_types_suffix(url: str, content_type: str, name: str) -> None:
    """The last path segment, reduced to letters, digits, `-` and `_`, with the suffix of the content type."""
    assert suggest_file_name(url, content_type) == name


@pytest.fixture
def tls_server() -> Iterator[Server]:
    """An HTTPS server on 127.0.0.1 with a certificate for `docs.test` only."""
    server = Server(("127.0.0.1", 0), Handler)
    server.fleet = Fleet(server, server, threading.Event(), threading.Event())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "docs.test.pem", TLS / "docs.test.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_https_checks_the_certificate_against_the_host_while_connecting_to_the_checked_address(
    tls_server: Server,
) -> None:
    """Connected to 127.0.0.1 for `docs.test`, the certificate for docs.test is accepted; for another name it is not."""
    trust = ssl.create_default_context(cafile=str(TLS / "docs.test.pem"))
    port = tls_server.server_port

    def resolve(host: str, port: int) -> list[Address]:
        return [ipaddress.ip_address("127.0.0.1")]

    got = fetch(f"https://docs.test:{port}/a.html", policy=only_first_loopback, resolve=resolve, verify=trust)
    assert got.content == f"<p>served by 127.0.0.1 for host docs.test:{port}</p>".encode()
    with pytest.raises(FetchError, match=r"cannot connect \(ConnectError: .*certificate verify failed"):
        fetch(f"https://other.test:{port}/a.html", policy=only_first_loopback, resolve=resolve, verify=trust)


def test_a_charset_only_the_header_names_is_written_into_the_saved_page(fleet: Fleet) -> None:
    """The saved copy is read later without its header: a Latin-1 page would be guessed at ("trčs")."""
    from index.formats.html import read_html

    bare = fetch(fleet.url("/latin1/bare"), policy=only_first_loopback)
    assert bare.content == b'<meta charset="iso-8859-1">\n' + LATIN1_PAGE
    assert "Le caf\u00e9 est tr\u00e8s bon" in read_html("seeds/cafes.html", bare.content).text
    # The page's own word wins, as in a browser: nothing is added.
    own = fetch(fleet.url("/latin1/own"), policy=only_first_loopback)
    assert own.content == b'<meta charset="windows-1252">' + LATIN1_PAGE


@pytest.mark.parametrize(
    ("raw", "charset"),
    [
        (b"<p>caf\xc3\xa9</p>", "utf-8"),  # UTF-8 needs no tag
        (b"<p>caf\xc3\xa9</p>", "UTF8"),
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "iso-8859-1"),  # a byte order mark wins
        (b"<p>caf\xe9</p>", "no-such-charset"),  # a name no reader knows changes nothing
        (b"<p>caf\xe9</p>", None),
        (b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=latin-1'><p>caf\xe9</p>", "koi8-r"),
    ],
)
def test_a_page_that_says_its_encoding_or_needs_none_is_left_as_sent(raw: bytes, charset: str | None) -> None:
    from index.formats.html import charset_written_in

    assert charset_written_in(raw, charset) == raw
