"""`make run`: start (or reuse) the data stores, migrate, seed the demo, then run every process of
the Procfile under honcho until Ctrl-C. Without real Shopee credentials it also runs the Shopee
simulator with the demo shops connected, so there is live traffic to work on.

`make audit` (`launch.py audit`), beside a running `make run`: compare what Shopee (or the
simulator) holds with what is stored, with the same configuration."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from integrations.demo import DEMO_PARTNER_ID, DEMO_PARTNER_KEY, simulator_shops_spec  # noqa: E402
from shopee_cs import embedded  # noqa: E402


def _manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=check, cwd=ROOT)


def _demo_environment(env: os._Environ) -> None:
    """Point the app at the simulator unless real credentials are configured."""
    sim_port = env.setdefault("SHOPEE_SIM_PORT", "8600")
    env.setdefault("SHOPEE_PARTNER_ID", DEMO_PARTNER_ID)
    env.setdefault("SHOPEE_PARTNER_KEY", DEMO_PARTNER_KEY)
    env.setdefault("SHOPEE_HOST", f"http://127.0.0.1:{sim_port}")
    env.setdefault("SHOPEE_SIM_SHOPS", simulator_shops_spec())
    env.setdefault("SHOPEE_SIM_TRAFFIC_RATE", "0.2")
    env.setdefault("ROBOT_SIM_PORT", "8700")
    env.setdefault(
        "SHOPEE_PUSH_CALLBACK_URL", f"http://{env['HOST']}:{env['PORT']}/webhooks/shopee/"
    )


def main() -> int:
    env = os.environ
    env.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.local")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PORT", "8000")
    env.setdefault("HOST", "127.0.0.1")
    with_simulator = not env.get("SHOPEE_PARTNER_KEY")
    if with_simulator:
        _demo_environment(env)
    owns_servers = not env.get("DATABASE_URL") and not env.get("REDIS_URL")
    lock = embedded.RunLock()
    if owns_servers:
        try:  # a run that is still stopping would stop the servers this one starts
            lock.acquire(wait_seconds=float(env.get("EMBEDDED_STOP_WAIT_SECONDS", "60")))
        except embedded.RunInProgress as exc:
            print(exc, file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # Ctrl-C while waiting
            return 130
    # Ctrl-C reaches honcho and its children through the process group; honcho stops them all.
    # A SIGTERM (a supervisor, `kill`) reaches only this process: it is passed on to honcho.
    # Either way the folder is marked as stopping at once, so a new start waits for this one.
    previous = signal.signal(signal.SIGINT, lambda *_: lock.mark_stopping())
    previous_term = signal.getsignal(signal.SIGTERM)
    honcho = None
    failure = []
    watch = None

    def stop(*_args) -> None:
        lock.mark_stopping()
        if honcho is not None:
            honcho.send_signal(signal.SIGTERM)
        else:
            raise KeyboardInterrupt

    def servers_lost(reason: str) -> None:
        print(f"\n[launch] {reason}; stopping `make run`.", file=sys.stderr, flush=True)
        failure.append(reason)
        stop()

    signal.signal(signal.SIGTERM, stop)
    returncode = 1
    try:
        embedded.ensure_embedded_env(env)
        _manage("migrate", "--noinput")
        _manage("collectstatic", "--noinput", "--verbosity", "0")
        _manage("seed_demo")
        _manage("seed_demo_automation")
        if with_simulator:
            _manage("seed_demo_robots", "--base-url", f"http://127.0.0.1:{env['ROBOT_SIM_PORT']}")
        _announce(env, with_simulator)
        processes = ["web", "worker", "beat"] + (["simulator", "robots"] if with_simulator else [])
        if with_simulator:
            redirect = f"http://{env['HOST']}:{env['PORT']}/shops/connect/callback/"
            threading.Thread(
                target=_manage,
                args=("shopee_demo_connect", "--redirect-url", redirect),
                kwargs={"check": False},
                daemon=True,
            ).start()
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", str(ROOT / "Procfile"),
             "-p", env["PORT"], *processes],
            cwd=ROOT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        if owns_servers:
            watch = embedded.ServerWatch(on_failure=servers_lost)
            watch.start()
        returncode = honcho.wait()
    except KeyboardInterrupt:
        returncode = 130
    except subprocess.CalledProcessError as exc:  # its own output said why
        print(f"[launch] `{' '.join(exc.cmd[1:])}` failed (exit {exc.returncode})", file=sys.stderr)
    finally:
        lock.mark_stopping()
        if watch is not None:
            watch.stop()
            watch.join(timeout=30)  # a restart under way finishes before the servers stop
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
        if owns_servers and env.get("KEEP_EMBEDDED_RUNNING") != "1":
            embedded.stop_embedded()
        lock.release()
    if failure:
        return 1
    # honcho exits 130 after Ctrl-C (143 after SIGTERM): the normal ways to stop.
    stopped = (130, 143, -signal.SIGINT, -signal.SIGTERM)
    return 0 if returncode in stopped else returncode


def _announce(env: os._Environ, with_simulator: bool) -> None:
    url = f"http://{env['HOST']}:{env['PORT']}/"
    print(
        f"\n  shopee_cs is starting on {url}\n"
        f"  Log in at {url}accounts/login/ as admin, supervisor, agent1 or agent2 "
        f"(password shopee-demo-2026);\n"
        f"  the first login asks you to scan a QR code with an authenticator app (2FA).\n"
        f"  Admin: {url}admin/   Health: {url}readyz   Stop: Ctrl-C\n"
        + (
            f"  Shopee simulator: {env['SHOPEE_HOST']} (demo shops)\n"
            f"  Robot simulator: http://127.0.0.1:{env['ROBOT_SIM_PORT']}/ (what the demo "
            "groups' WeCom and DingTalk robots received)\n"
            if with_simulator
            else ""
        ),
        flush=True,
    )


def audit(args: list[str]) -> int:
    env = os.environ
    env.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.local")
    env.setdefault("PORT", "8000")
    env.setdefault("HOST", "127.0.0.1")
    env.setdefault("LOG_LEVEL", "WARNING")  # the report, not every call's log line
    if not env.get("SHOPEE_PARTNER_KEY"):
        _demo_environment(env)
        stats = f"{env['SHOPEE_HOST']}/__sim__/stats"
        try:
            requests.get(stats, timeout=3)
        except requests.RequestException:
            print(
                f"The simulator ({env['SHOPEE_HOST']}) is not answering: start `make run` "
                "first, then run `make audit` in a second terminal.",
                file=sys.stderr,
            )
            return 1
    embedded.ensure_embedded_env(env)
    return _manage("chat_audit", *args, check=False).returncode


if __name__ == "__main__":
    if sys.argv[1:2] == ["audit"]:
        sys.exit(audit(sys.argv[2:]))
    sys.exit(main())
