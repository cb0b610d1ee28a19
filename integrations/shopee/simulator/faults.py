"""Runtime fault injection for the simulator's /api/v2 endpoints.

An outcome is one of: None (behave normally), an HTTP status (429 -> error_rate_limit, 5xx ->
error_server, 200 -> normal), "timeout" (process, then answer after ``timeout_seconds``) or "drop"
(process, then close the socket without any response). ``delays`` holds an endpoint's every
answer back by its number of seconds (a slow marketplace: the call blocks, then succeeds).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from typing import Any

Outcome = int | str | None
VALID_WORDS = {"timeout", "drop", "ok"}


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.error_5xx_pct = 0.0
            self.rate_limit_pct = 0.0
            self.timeout_pct = 0.0
            self.drop_pct = 0.0
            self.timeout_seconds = 5.0
            self.retry_after: float | None = None  # sent as Retry-After on injected 429s
            self.paths: set[str] | None = None  # None: every /api/v2 path
            self.delays: dict[str, float] = {}  # path -> seconds before each call is handled
            # Calls per second per shop (a token bucket with one second of burst); 0: no limit.
            self.shop_rate_limit = 0.0
            self._buckets: dict[str, tuple[float, float]] = {}  # shop -> (tokens, at)
            self._scripts: dict[str, deque[Outcome]] = {}

    def configure(self, **kw: Any) -> dict[str, Any]:
        allowed = {
            "error_5xx_pct",
            "rate_limit_pct",
            "timeout_pct",
            "drop_pct",
            "timeout_seconds",
            "retry_after",
            "paths",
            "shop_rate_limit",
            "delays",
        }
        unknown = set(kw) - allowed
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        if "delays" in kw:
            kw["delays"] = _delays(kw["delays"])
        with self._lock:
            for k, v in kw.items():
                if k == "delays":
                    pass
                elif k == "paths":
                    v = {_norm(p) for p in v} if v else None
                elif k == "retry_after":
                    v = None if v is None else float(v)
                else:
                    v = float(v)
                setattr(self, k, v)
        return self.snapshot()

    def script(self, path: str, outcomes: list[Outcome]) -> None:
        """The next ``len(outcomes)`` calls of ``path`` get these outcomes, in order."""
        for o in outcomes:
            if not (isinstance(o, int) or o in VALID_WORDS or o is None):
                raise ValueError(f"bad outcome {o!r}")
        with self._lock:
            self._scripts.setdefault(_norm(path), deque()).extend(outcomes)

    def draw(self, path: str) -> Outcome:
        path = _norm(path)
        with self._lock:
            queue = self._scripts.get(path)
            if queue:
                o = queue.popleft()
                return None if o in (200, "ok") else o
            if self.paths is not None and path not in self.paths:
                return None
            r = self._rng.random() * 100
            for pct, outcome in (
                (self.error_5xx_pct, 500),
                (self.rate_limit_pct, 429),
                (self.timeout_pct, "timeout"),
                (self.drop_pct, "drop"),
            ):
                if r < pct:
                    return outcome
                r -= pct
            return None

    def delay(self, path: str) -> float:
        """Seconds to hold this call of ``path`` before handling it (0: none)."""
        with self._lock:
            return self.delays.get(_norm(path), 0.0)

    def throttled(self, shop_id: str) -> bool:
        """Whether this call exceeds the shop's rate (the real API answers error_rate_limit)."""
        with self._lock:
            rate = self.shop_rate_limit
            if rate <= 0 or not shop_id:
                return False
            now = time.monotonic()
            tokens, at = self._buckets.get(shop_id, (rate, now))
            tokens = min(rate, tokens + (now - at) * rate)
            allowed = tokens >= 1
            self._buckets[shop_id] = (tokens - 1 if allowed else tokens, now)
            return not allowed

    def snapshot(self) -> dict[str, Any]:
        return {
            "error_5xx_pct": self.error_5xx_pct,
            "rate_limit_pct": self.rate_limit_pct,
            "timeout_pct": self.timeout_pct,
            "drop_pct": self.drop_pct,
            "timeout_seconds": self.timeout_seconds,
            "retry_after": self.retry_after,
            "paths": sorted(self.paths) if self.paths is not None else None,
            "shop_rate_limit": self.shop_rate_limit,
            "delays": dict(sorted(self.delays.items())),
            "scripts": {p: list(q) for p, q in self._scripts.items() if q},
        }


def _delays(value: Any) -> dict[str, float]:
    """{path: seconds}, each a number of seconds from 0 to 600 (checked before any is set)."""
    if not isinstance(value, dict):
        raise ValueError("delays must map endpoint paths to seconds")
    delays = {}
    for path, seconds in value.items():
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError(f"delay of {path!r} must be a number of seconds, not {seconds!r}")
        if not 0 <= seconds <= 600:
            raise ValueError(f"delay of {path!r} must be 0 to 600 seconds, not {seconds}")
        if seconds:
            delays[_norm(str(path))] = float(seconds)
    return delays


def _norm(path: str) -> str:
    """Accept "sellerchat/send_message" or "/api/v2/sellerchat/send_message"."""
    path = path.strip()
    if not path.startswith("/"):
        path = "/api/v2/" + path
    return path.rstrip("/")
