"""Shared load-test pieces: same-run baselines, CPU accounting and a keep-alive HTTP client
(loopback only)."""

import asyncio
import os
import time


async def baseline_insert(conn, n: int, cap_s: float, tag: str) -> list[float]:
    """Bare INSERT ... ON CONFLICT DO NOTHING + COMMIT round trips (ms), psycopg async."""
    samples = []
    deadline = time.monotonic() + cap_s
    for i in range(n):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        await conn.execute(
            "INSERT INTO bm1_raw (shop_id, provider_msg_id, body, created_at)"
            " VALUES (%s, %s, %s, now()) ON CONFLICT DO NOTHING",
            (1, f"{tag}{i}", "bm1 baseline"),
        )
        await conn.commit()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def baseline_pubsub(redis, pubsub, n: int, cap_s: float) -> list[float]:
    """Raw Redis PUBLISH -> subscriber receive round trips (ms), same process."""
    samples = []
    deadline = time.monotonic() + cap_s
    for i in range(n):
        if time.monotonic() > deadline:
            break
        token = f"p{i}-{time.perf_counter_ns()}".encode()
        start = time.perf_counter()
        await redis.publish("bm1:probe", token)
        while time.monotonic() < deadline:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message and message["data"] == token:
                samples.append((time.perf_counter() - start) * 1000)
                break
    return samples


def cpu_snapshot(me, procs: dict) -> dict:
    """CPU seconds per process of ours (worker with its children) and for the whole machine."""
    import psutil

    snap = {"wall": time.perf_counter(), "machine": psutil.cpu_times()}
    for name, proc in [("generator", me), *procs.items()]:
        total = 0.0
        members = [proc] + (proc.children(recursive=True) if name != "generator" else [])
        for p in members:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        snap[name] = total
    return snap


def cpu_used(processes) -> float:
    """User + system CPU seconds of these psutil processes so far (ended ones count 0)."""
    import psutil

    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def processes_named(*prefixes: str) -> dict[str, list]:
    """This machine's processes whose name starts with each prefix (PostgreSQL's backends,
    Redis), which share the cores with the benchmark."""
    import psutil

    found: dict[str, list] = {prefix: [] for prefix in prefixes}
    for process in psutil.process_iter(["name"]):
        for prefix, members in found.items():
            if (process.info["name"] or "").startswith(prefix):
                members.append(process)
    return found


def cpu_report(before: dict, after: dict) -> dict:
    wall = after["wall"] - before["wall"]
    b, a = before["machine"], after["machine"]

    def busy(t) -> float:
        return t.user + t.nice + t.system + t.irq + t.softirq + t.steal

    cores = os.cpu_count() or 1
    out = {"wall_s": wall, "machine_pct_of_all_cores": 100 * (busy(a) - busy(b)) / (wall * cores)}
    ours = 0.0
    for name in ("generator", "daphne", "worker"):
        used = after[name] - before[name]
        ours += used
        out[f"{name}_pct_of_one_core"] = 100 * used / wall
    out["others_pct_of_one_core"] = 100 * ((busy(a) - busy(b)) - ours) / wall
    return out


class HttpConnection:
    """A minimal keep-alive HTTP/1.1 POST client over asyncio streams (no extra dependency)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, headers: dict, on_sent) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        on_sent()
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        fields = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin1").partition(":")
            fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None
