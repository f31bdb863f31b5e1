"""Fetching a source from the web, safely: for ``python -m bot add URL`` and the chat admins' command.

Safe means:

- only ``http`` and ``https``;
- the host is resolved here, every address checked against an address policy (by default:
  public addresses only, unless ``ALLOW_PRIVATE_URLS=true``), and the connection is made to the
  address that was checked, so a name cannot resolve to another address between the check
  and the connection (DNS rebinding). The request still names the host (``Host`` header, TLS
  server name and certificate check);
- redirects are followed here, at most ``MAX_REDIRECTS``, each hop checked like the first;
- a timeout on every network operation and on the whole download, a size limit enforced
  while reading (the download stops past it), and only the content types a source can be.

Every refusal is a :class:`~index.errors.FetchError`: one line naming the reason and the fix.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx2 as httpx

from index.errors import FetchError
from index.formats.html import charset_written_in

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# An address policy says why an address is refused, or None to allow it.
AddressPolicy = Callable[[Address], str | None]
# A resolver gives the addresses of a host name (socket.gaierror when there are none).
Resolver = Callable[[str, int], list[Address]]

MAX_REDIRECTS = 5
MAX_BYTES = 20 * 1024 * 1024  # far above any article; a PDF report of 100 pages is about 5 MB
TIMEOUT = 20.0  # seconds for each connect, read and write; the whole download gets three times that
# Media types a source can be, and the file suffix each is stored with.
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
}
PRIVATE_HINT = "set ALLOW_PRIVATE_URLS=true to fetch from private addresses"
_REDIRECTS = {301, 302, 303, 307, 308}
_USER_AGENT = "citebot (fetching one page to cite it)"
_ACCEPT = "text/html, application/xhtml+xml, application/pdf, text/markdown, text/plain;q=0.9"


@dataclass(frozen=True)
class Fetched:
    """A downloaded source.

    Attributes:
        content: The body, as sent (at most the size limit); a page whose header alone names its
            charset gets it written in (:func:`index.formats.html.charset_written_in`).
        url: The final URL, after redirects.
        content_type: Its media type, lower case, without parameters, e.g. ``text/html``.
        retrieved: When the download finished (UTC).
        file_name: A safe file name to store it under, with the suffix of its type, e.g. ``night-trains.html``.
    """

    content: bytes
    url: str
    content_type: str
    retrieved: datetime
    file_name: str


def public_only(address: Address) -> str | None:
    """The default policy: refuse every address that is not public, saying what it is."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 form that carries an IPv4 address reaches that address: judge the IPv4 one.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            reason = public_only(embedded)
            return f"{reason} (inside the IPv6 address {address})" if reason else None
    checks = (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
        ("is_site_local", "a site-local address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute, False):
            return reason
    return None if address.is_global else "not a public address"


def any_address(_: Address) -> str | None:
    """The policy with ``ALLOW_PRIVATE_URLS=true``: every address may be fetched from."""
    return None


def system_resolver(host: str, port: int) -> list[Address]:
    """The host's addresses from the system resolver, in its order of preference, without repeats."""
    found: dict[Address, None] = {}
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        found.setdefault(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]), None)
    return list(found)


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    policy: AddressPolicy | None = None,
    resolve: Resolver = system_resolver,
    verify: ssl.SSLContext | bool = True,
) -> Fetched:
    """Download one source.

    Args:
        url: An http or https URL.
        allow_private: Allow private, loopback and other non-public addresses (the setting
            ``ALLOW_PRIVATE_URLS``). Ignored when ``policy`` is given.
        timeout: Seconds allowed for each connect, read and write; the whole download may take three times that.
        max_bytes: Largest body accepted. Defaults to 20 MiB.
        policy: Which addresses may be connected to; defaults to :func:`public_only`, or
            :func:`any_address` with ``allow_private``.
        resolve: Gives a host name's addresses; defaults to the system resolver.
        verify: How certificates are checked (httpx's ``verify``); tests pass a context that trusts their own.

    Returns:
        The body, final URL, content type, retrieval time and a suggested file name.

    Raises:
        FetchError: refused or failed, with the reason and what to do.
    """
    policy = policy or (any_address if allow_private else public_only)
    current = _parse(url)
    deadline = time.monotonic() + 3 * timeout
    # trust_env=False: a proxy from the environment would resolve the host itself, past the check.
    client = httpx.Client(trust_env=False, verify=verify, timeout=httpx.Timeout(timeout), follow_redirects=False)
    with client:
        for hop in range(MAX_REDIRECTS + 1):
            with _open(client, current, policy, resolve) as response:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    following = _redirect_target(current, response.headers["location"])
                    if hop == MAX_REDIRECTS:
                        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", "give the final address instead")
                    log.info("redirect %s -> %s", current, following)
                    current = following
                    continue
                content_type = _check_response(current, response, max_bytes)
                content = _read(current, response, max_bytes, deadline, timeout)
                if content_type == "text/html":  # the saved copy says what the header said
                    content = charset_written_in(content, response.charset_encoding)
            final = str(current)
            return Fetched(content, final, content_type, datetime.now(UTC), suggest_file_name(final, content_type))
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as error:
        raise FetchError(url, f"not a valid URL ({error})", "give an http:// or https:// address") from None
    if parsed.scheme not in ("http", "https"):
        scheme = parsed.scheme or "no scheme"
        raise FetchError(url, f"{scheme} is not allowed, only http and https", "give an http:// or https:// address")
    if not parsed.host:
        raise FetchError(url, "the URL names no host", "give a full address, e.g. https://example.org/page")
    return parsed.copy_with(fragment=None)


def _redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    try:
        return _parse(str(current.join(location)))
    except FetchError as error:
        raise FetchError(str(current), f"it redirects to a refused address: {error.reason}", error.fix) from None


def _ascii_host(url: httpx.URL) -> str:
    # The host as DNS and TLS know it: an internationalised name in its xn-- form.
    return url.raw_host.decode("ascii")


def _pick_address(url: httpx.URL, policy: AddressPolicy, resolve: Resolver) -> Address:
    """The first of the host's addresses that the policy allows, or FetchError naming why none is."""
    host, port = _ascii_host(url), url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = resolve(host, port)
        except (socket.gaierror, UnicodeError) as error:
            reason = f"the host {host} does not resolve ({getattr(error, 'strerror', None) or error})"
            raise FetchError(str(url), reason, "check the address") from None
    refusals = []
    for address in addresses:
        reason = policy(address)
        if reason is None:
            return address
        refusals.append((address, reason))
    if not refusals:
        raise FetchError(str(url), f"the host {host} has no address", "check the address")
    first, why = refusals[0]
    shown = f"{first} is {why}" if host == str(first) else f"{host} resolves to {first}, {why}"
    raise FetchError(str(url), f"refused: {shown}", PRIVATE_HINT)


@contextlib.contextmanager
def _open(client: httpx.Client, url: httpx.URL, policy: AddressPolicy, resolve: Resolver) -> Iterator[httpx.Response]:
    """Send a GET for ``url`` to the address checked for its host; the response is closed after."""
    address = _pick_address(url, policy, resolve)
    # The request goes to the address itself and names the host, so nothing resolves it again.
    target = url.copy_with(host=str(address))
    extensions = {"sni_hostname": _ascii_host(url)} if url.scheme == "https" else {}
    # identity: a compressed body could grow far past the size limit within one decoded piece.
    headers = {"Host": url.netloc.decode("ascii"), "Accept-Encoding": "identity", "User-Agent": _USER_AGENT}
    headers["Accept"] = _ACCEPT
    request = client.build_request("GET", target, headers=headers, extensions=extensions)
    try:
        response = client.send(request, stream=True)
    except httpx.ConnectTimeout:
        raise FetchError(str(url), f"timed out connecting to {address}", "try again later") from None
    except httpx.TimeoutException:
        raise FetchError(str(url), f"timed out: no answer in {client.timeout.read:g} s", "try again later") from None
    except httpx.HTTPError as error:
        raise FetchError(str(url), f"cannot connect ({_brief(error)})", "check the address") from None
    try:
        yield response
    finally:
        response.close()


def _check_response(url: httpx.URL, response: httpx.Response, max_bytes: int) -> str:
    """The response's media type, once its status, type and declared size are acceptable."""
    if response.status_code != 200:
        reason = f"the server answered {response.status_code} {response.reason_phrase}".rstrip()
        raise FetchError(str(url), reason, "check the address, or save the page and add the file")
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in CONTENT_TYPES:
        allowed = ", ".join(sorted(set(CONTENT_TYPES)))
        raise FetchError(str(url), f"its content type is {media or 'not given'}, not one of {allowed}", _TYPE_FIX)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(str(url), f"it is {int(declared):,} bytes, over the limit of {max_bytes:,}", _SIZE_FIX)
    return media


_SIZE_FIX = "save a smaller part of it and add the file"
# Servers often send a PDF as application/octet-stream: the file itself can still be added.
_TYPE_FIX = "if it is a page or a PDF all the same, download it and add the file"


def _read(url: httpx.URL, response: httpx.Response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    """The body, read in pieces: it stops past ``max_bytes`` and at the deadline."""
    body = bytearray()
    try:
        for piece in response.iter_bytes():
            body += piece
            if len(body) > max_bytes:
                raise FetchError(str(url), f"it is over the limit of {max_bytes:,} bytes", _SIZE_FIX)
            if time.monotonic() > deadline:
                raise FetchError(str(url), f"the download took over {3 * timeout:g} s", "try again later")
    except httpx.TimeoutException:
        raise FetchError(str(url), f"timed out: no data for {timeout:g} s", "try again later") from None
    except httpx.HTTPError as error:
        raise FetchError(str(url), f"the download failed ({_brief(error)})", "try again later") from None
    return bytes(body)


def _brief(error: Exception) -> str:
    text = str(error).splitlines()[0][:120] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def suggest_file_name(url: str, content_type: str) -> str:
    """A safe file name for a download: the URL's last path segment (else its host), with the type's suffix.

    ``https://gazette.example.org/travel/night-trains?id=3`` as ``text/html`` -> ``night-trains.html``.
    """
    parsed = httpx.URL(url)
    segment = unquote(parsed.path.rstrip("/").rsplit("/", 1)[-1])
    suffix = CONTENT_TYPES.get(content_type, ".txt")
    stem = re.sub(r"\.(html?|php|aspx?|jsp|pdf|txt|md|markdown)$", "", segment, flags=re.IGNORECASE)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:80] or re.sub(r"[^A-Za-z0-9.-]+", "-", parsed.host)
    return f"{stem or 'page'}{suffix}"
