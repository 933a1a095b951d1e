"""Fetching links for the content checks, with httpx, in the worker (never in a request).

Only http and https; bounded timeouts; redirects followed by hand (at most
MAX_REDIRECTS) so that each hop is seen: a link that ends up off the portal's own
domains (PORTAL_DOMAINS) after a redirect is reported as redirected off-site. A status
of 400 or more, a timeout or a connection error makes the link dead, and so does an
address inside the network (loopback, private, link-local: unreachable for the public,
and never fetched unless LINK_CHECK_PRIVATE is set). The body is never read: the
response is streamed and closed after the headers.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Final
from urllib.parse import urljoin, urlsplit

import httpx

from workflow.checks.findings import DEAD, OFFSITE, OK
from workflow.services.checks import LinkResult

MAX_REDIRECTS: Final = 5
USER_AGENT: Final = "sanshen-link-check/1.0"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def own(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def private(host: str) -> bool:
    """Whether the host is (or resolves to) an address the public cannot reach —
    loopback, private, link-local, reserved: a portal link there is broken for readers,
    and the worker must not be made to fetch inside the network (SSRF)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False  # does not resolve: the fetch reports a connection error
    return any(not ipaddress.ip_address(info[4][0]).is_global for info in infos)


def fetch(
    client: httpx.Client, url: str, domains: Sequence[str], allow_private: bool = False
) -> LinkResult:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return LinkResult(url, OK, None, url, "not_http")
    current, hops = url, 0
    try:
        while True:
            if not allow_private and private(_host(current)):
                return LinkResult(url, DEAD, None, current, "private")
            with client.stream("GET", current) as response:
                status = response.status_code
                location = response.headers.get("location")
            if 300 <= status < 400 and location:
                hops += 1
                if hops > MAX_REDIRECTS:
                    return LinkResult(url, DEAD, status, current, "redirects")
                current = urljoin(current, location)
                if urlsplit(current).scheme.lower() not in ("http", "https"):
                    return LinkResult(url, DEAD, status, current, "redirects")
                continue
            break
    except httpx.TimeoutException:
        return LinkResult(url, DEAD, None, current, "timeout")
    except httpx.ConnectError:
        return LinkResult(url, DEAD, None, current, "connection")
    except httpx.HTTPError:
        return LinkResult(url, DEAD, None, current, "error")
    if status >= 400:
        return LinkResult(url, DEAD, status, current, f"http:{status}")
    final = _host(current)
    if hops and domains and final != _host(url) and not own(final, domains):
        return LinkResult(url, OFFSITE, status, current, final[:300])
    return LinkResult(url, OK, status, current, "")


def fetch_all(
    urls: Iterable[str], domains: Sequence[str], timeout: float, allow_private: bool = False
) -> list[LinkResult]:
    """Each URL once. `allow_private` (LINK_CHECK_PRIVATE; tests) lets the worker fetch
    addresses inside the network; otherwise such a link is reported dead, unfetched."""
    limits = httpx.Timeout(timeout, connect=min(timeout, 5.0))
    with httpx.Client(
        timeout=limits,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=False,  # no proxy from the environment: the check is the worker's own
    ) as client:
        return [fetch(client, url, domains, allow_private) for url in dict.fromkeys(urls)]
