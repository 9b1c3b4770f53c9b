"""The client's address behind a reverse proxy, trusted only when the request comes from that proxy.

Lockout (django-axes), throttles (DRF, portal.throttle) and logs all read REMOTE_ADDR. Behind the
compose proxy, REMOTE_ADDR is the proxy's: the client's address is then the right-most address of
X-Forwarded-For that is not itself a trusted proxy (the left part of the header is whatever the
client sent). From any other peer the header is ignored, so that a client cannot choose the address
its failures and requests are counted under.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _trusted(address, networks: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def forwarded_client(remote_addr: str, forwarded_for: str, proxies: Iterable[str]) -> str:
    """The client's address: `remote_addr` unless it is a trusted proxy, then the nearest untrusted hop."""
    networks = _networks(tuple(proxies))
    if not forwarded_for or not _trusted(_parsed(remote_addr), networks):
        return remote_addr
    for hop in reversed(forwarded_for.split(",")):
        address = _parsed(hop)
        if address is None:  # a garbled hop: stop at the last address the proxies vouched for
            break
        if not _trusted(address, networks):
            return str(address)
        remote_addr = str(address)
    return remote_addr


class TrustedProxyMiddleware:
    """Replace REMOTE_ADDR by the client's address when a trusted proxy forwarded the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        proxies = settings.TRUSTED_PROXIES
        if proxies and "HTTP_X_FORWARDED_FOR" in meta:
            meta["REMOTE_ADDR"] = forwarded_client(meta.get("REMOTE_ADDR", ""), meta["HTTP_X_FORWARDED_FOR"], proxies)
        return self.get_response(request)


def client_address(request) -> str | None:
    """The address failures and requests are counted under (AXES_CLIENT_IP_CALLABLE, throttles)."""
    return request.META.get("REMOTE_ADDR") or None
