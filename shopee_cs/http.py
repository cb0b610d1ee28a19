"""The project's single outbound HTTP module.

Every call to a marketplace or robot webhook goes through ``request()`` here, so there is exactly
one place to set timeouts, headers and connection pooling, and exactly one patch point for tests
(``set_session``). No Django import at module import time: the integrations layer and the
simulator use this module outside a configured Django project.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

# (connect, read) seconds. Connect is short (loopback or one TLS handshake); read covers a slow
# marketplace answer. Callers may pass their own tuple per request.
DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 15.0)
USER_AGENT = "shopee-cs/1.0 (+requests)"

_session: requests.Session | None = None
_lock = threading.Lock()


def _build_session() -> requests.Session:
    session = requests.Session()
    # max_retries=0: urllib3 must never resend on its own. A resent POST send_message would
    # duplicate a buyer message (marketplaces offer no idempotency key); callers own the retry
    # policy.
    adapter = HTTPAdapter(pool_connections=16, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    # Proxies come from the environment once per host (_proxies_for), not on every request:
    # requests' per-call lookup (proxy variables, ~/.netrc) cost more than the signing.
    session.trust_env = False
    return session


@lru_cache(maxsize=256)
def _proxies_for(origin: str) -> dict[str, str]:
    """HTTP(S)_PROXY/NO_PROXY as they apply to one scheme://host, read at its first call."""
    return get_environ_proxies(origin)


def get_session() -> requests.Session:
    """The shared session, created on first use (thread-safe)."""
    global _session
    if _session is None:
        with _lock:
            if _session is None:
                _session = _build_session()
    return _session


def set_session(session: requests.Session | None) -> requests.Session | None:
    """Replace the shared session (tests); ``None`` resets to a fresh lazy one. Returns the old."""
    global _session
    with _lock:
        old, _session = _session, session
    return old


def request(
    method: str,
    url: str,
    *,
    timeout: float | tuple[float, float] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one HTTP request through the shared session with a default (connect, read) timeout."""
    parts = urlsplit(url)
    kwargs.setdefault("proxies", _proxies_for(f"{parts.scheme}://{parts.netloc}/"))
    return get_session().request(
        method, url, timeout=DEFAULT_TIMEOUT if timeout is None else timeout, **kwargs
    )
