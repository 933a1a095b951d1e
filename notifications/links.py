"""Fetching links for the content checks, with httpx, in the worker (never in a request).

Only http and https; bounded timeouts; redirects followed by hand (at most
MAX_REDIRECTS) so that each hop is seen: a link that ends up off the portal's own
domains (PORTAL_DOMAINS) after a redirect is reported as redirected off-site. A status
of 400 or more, a timeout or a connection error makes the link dead. The body is never
read: the response is streamed and closed after the headers.
"""

from __future__ import annotations

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


def fetch(client: httpx.Client, url: str, domains: Sequence[str]) -> LinkResult:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return LinkResult(url, OK, None, url, "not_http")
    current, hops = url, 0
    try:
        while True:
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


def fetch_all(urls: Iterable[str], domains: Sequence[str], timeout: float) -> list[LinkResult]:
    limits = httpx.Timeout(timeout, connect=min(timeout, 5.0))
    with httpx.Client(
        timeout=limits, follow_redirects=False, headers={"User-Agent": USER_AGENT}
    ) as client:
        return [fetch(client, url, domains) for url in dict.fromkeys(urls)]
