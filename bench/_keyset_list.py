"""What the two keyset-list benchmarks (BM4: the inbox, and the ticket list) share: an
OTP-verified test client, a timed GET, and the report with its goals."""

import time

from _rig import median, pct, verdict


def client_for(user):
    from django.test import Client

    from tests.factories import login_verified

    client = Client(HTTP_HOST="127.0.0.1")  # in ALLOWED_HOSTS; "testserver" is not
    login_verified(client, user)
    return client


def timed_get(client, url) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content[:200]
    return elapsed, response.json()


def report(
    *,
    runs: list[tuple[float, float, float, float]],
    requests: int,
    alone_ms: list[float],
    page1_ms: list[float],
    deep_ms: list[float],
    deep_reached: bool,
    counts: dict[int, int],
    foreign: int,
    absolute_goal_ms: float | None = None,
) -> int:
    """Print each run and the verdicts; returns the exit status (0: every goal met)."""
    for n, (s95, a95, s50, a50) in enumerate(runs, 1):
        print(
            f"run {n}: SQL keyset page p95 {s95:.2f} ms (p50 {s50:.2f}), API page p95 "
            f"{a95:.2f} ms (p50 {a50:.2f}), {requests} each: ratio {a95 / s95:.2f}x"
        )
    ratio = median([a95 / s95 for s95, a95, *_ in runs])
    api95 = median([a95 for _, a95, *_ in runs])
    alone95 = pct(alone_ms, 95)
    print(
        f"SQL alone, back to back: p95 {alone95:.2f} ms (p50 {pct(alone_ms, 50):.2f}); "
        f"median API p95 against it: {api95 / alone95:.2f}x (reference, not the goal's ratio)"
    )
    p1, pdeep = pct(page1_ms, 95), pct(deep_ms, 95)
    print(f"page 1 p95 {p1:.2f} ms, page 1000 p95 {pdeep:.2f} ms (reached: {deep_reached})")
    print(f"queries per request by page size: {counts}")
    print(f"rows of another team's shops in responses: {foreign}")
    results = [verdict("API p95 / SQL p95 (median of runs)", ratio, "<= 5", ratio <= 5)]
    if absolute_goal_ms is not None:
        results.append(
            verdict(
                "API p95 absolute (ms, median)",
                api95,
                f"<= {absolute_goal_ms:g}",
                api95 <= absolute_goal_ms,
            )
        )
    results.append(verdict("page 1000 / page 1", pdeep / p1, "<= 1.2", pdeep <= 1.2 * p1))
    constant = len(set(counts.values())) == 1 and counts[50] <= 4
    results.append(f"query count constant and <= 4: {constant} ({counts[50]} per request) -> "
                   f"{'PASS' if constant else 'FAIL'}")  # fmt: skip
    results.append(f"team isolation: {foreign} foreign rows -> {'PASS' if not foreign else 'FAIL'}")
    print("\n".join(results))
    return 0 if all(r.endswith("PASS") for r in results) else 1
