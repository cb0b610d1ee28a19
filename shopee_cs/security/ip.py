"""The one way to learn a client's IP address (HTTP request or ASGI scope).

X-Forwarded-For is an ordinary client header: proxies *append* to it, so only the TCP peer and
the hops our own proxies added can be trusted. The header is read only when the peer is a trusted
proxy (settings.TRUSTED_PROXIES), and then walked from the right, skipping trusted proxies; the
first untrusted hop is the client. Anything malformed resolves to None ("unknown"), which the
allowlist refuses.
"""

import ipaddress
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Set per request by IPAllowlistMiddleware, so code without the request (admin LogEntry
# receiver) can still audit the real client IP.
current_client_ip: ContextVar[str | None] = ContextVar("current_client_ip", default=None)

MAX_XFF_LENGTH = 1024  # a longer chain is not something our proxies produce
MAX_XFF_HOPS = 20


def parse_ip(value: str | None) -> IPAddress | None:
    """Normalise one address: strips brackets and ports, maps ::ffff:a.b.c.d to IPv4."""
    if not value:
        return None
    text = value.strip()
    if text.startswith("["):  # [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDRs (or bare addresses) to networks; raises ValueError on a malformed entry."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(proxies)


def trusted_proxies() -> tuple[IPNetwork, ...]:
    return _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def ip_in(address: IPAddress | None, networks: Iterable[IPNetwork]) -> bool:
    if address is None:
        return False
    return any(address.version == n.version and address in n for n in networks)


def _peer_and_xff(request_or_scope: Any) -> tuple[str | None, str | None]:
    if isinstance(request_or_scope, Mapping):  # ASGI scope
        client = request_or_scope.get("client")
        peer = client[0] if client else None
        values = [
            v.decode("latin1")
            for k, v in request_or_scope.get("headers", [])
            if k.lower() == b"x-forwarded-for"
        ]
        return peer, ",".join(values) if values else None
    meta = request_or_scope.META
    return meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR")


def client_ip_address(request_or_scope: Any) -> IPAddress | None:
    peer_text, xff = _peer_and_xff(request_or_scope)
    peer = parse_ip(peer_text)
    trusted = trusted_proxies()
    if peer is None or not ip_in(peer, trusted):
        return peer
    if not xff:
        return peer  # a trusted proxy that forwarded nothing is itself the client
    if len(xff) > MAX_XFF_LENGTH:
        return None
    hops = [h.strip() for h in xff.split(",")]
    if len(hops) > MAX_XFF_HOPS:
        return None
    for hop in reversed(hops):
        address = parse_ip(hop)
        if address is None:
            return None
        if not ip_in(address, trusted):
            return address
    return None  # every hop was one of our proxies: nothing trustworthy identifies the client


def client_ip(request_or_scope: Any) -> str | None:
    """The real client IP as a string, or None when it cannot be determined safely.

    Used by the allowlist (HTTP and websocket), django-axes (AXES_CLIENT_IP_CALLABLE), the DRF
    throttles and the audit log. Never read REMOTE_ADDR or X-Forwarded-For anywhere else.
    """
    address = client_ip_address(request_or_scope)
    return str(address) if address is not None else None


def axes_client_ip(request: Any) -> str:
    """AXES_CLIENT_IP_CALLABLE. Unknown clients share one bucket (stricter, never looser)."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 - a lockout key, not a bind address
