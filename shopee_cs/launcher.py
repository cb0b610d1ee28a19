"""`make run`: start (or reuse) the data stores, migrate, seed the demo, then run every process of
the Procfile under honcho until Ctrl-C."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from shopee_cs import embedded

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def main() -> int:
    env = os.environ
    env.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.local")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PORT", "8000")
    env.setdefault("HOST", "127.0.0.1")
    owns_servers = not env.get("DATABASE_URL") and not env.get("REDIS_URL")
    embedded.ensure_embedded_env(env)

    _manage("migrate", "--noinput")
    _manage("collectstatic", "--noinput", "--verbosity", "0")
    _manage("seed_demo")

    url = f"http://{env['HOST']}:{env['PORT']}/"
    print(
        f"\n  shopee_cs is starting on {url}\n"
        f"  Admin: {url}admin/  (users admin, supervisor, agent1, agent2; "
        f"password shopee-demo-2026)\n"
        f"  Health: {url}readyz   Stop: Ctrl-C\n",
        flush=True,
    )
    # Ctrl-C reaches honcho and its children through the process group; honcho stops them all.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        honcho = subprocess.run(
            [sys.executable, "-m", "honcho", "start", "-f", str(ROOT / "Procfile"),
             "-p", env["PORT"]],
            cwd=ROOT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)
        if owns_servers and env.get("KEEP_EMBEDDED_RUNNING") != "1":
            embedded.stop_embedded()
    # honcho exits 130 after Ctrl-C: that is the normal way to stop.
    return 0 if honcho.returncode in (130, -signal.SIGINT) else honcho.returncode


if __name__ == "__main__":
    sys.exit(main())
