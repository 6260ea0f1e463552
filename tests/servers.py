"""Real servers on loopback for the operations tests: a Prefect API server and a moto S3 server."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, process: subprocess.Popen, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} not up after {timeout_s:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """SIGTERM the server's process group (it was started in its own session), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    except ProcessLookupError:
        pass


@dataclass
class PrefectServer:
    """A `prefect server start` subprocess with its own PREFECT_HOME (database, logs) in a temp folder."""

    port: int
    home: Path
    process: subprocess.Popen
    startup_s: float

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client_env(self, **extra: str) -> dict[str, str]:
        """Environment of a CLI subprocess that reports to this server (what an operator exports)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(PREFECT_API_URL=self.api_url, PREFECT_HOME=str(self.home / "client"),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
        env.update(extra)
        return env

    def settings(self):
        """Prefect settings pointing this (test) process's client at the server."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        return temporary_settings({PREFECT_API_URL: self.api_url})

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.home, ignore_errors=True)


def start_prefect_server(timeout_s: float = 120.0) -> PrefectServer:
    home = Path(tempfile.mkdtemp(prefix="newsfacts-prefect-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_API_URL=f"http://127.0.0.1:{port}/api")
    log = home / "server.log"
    started = time.monotonic()
    process = subprocess.Popen([str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/health", process, timeout_s, log)
    except BaseException:
        _stop(process)
        raise
    return PrefectServer(port, home, process, time.monotonic() - started)


_shared: PrefectServer | None = None


def shared_prefect_server() -> PrefectServer:
    """One server for the whole test session (test modules share it); stopped when the session exits."""
    global _shared
    if _shared is None or _shared.process.poll() is not None:
        _shared = start_prefect_server()
        atexit.register(_shared.stop)
    return _shared


@dataclass
class MotoServer:
    port: int
    process: subprocess.Popen

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@contextmanager
def moto_server(timeout_s: float = 30.0):
    """A moto S3 server on a free loopback port (the real HTTP API, in a subprocess)."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="moto-", suffix=".log")[1])
    process = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/moto-api/", process, timeout_s, log)
        yield MotoServer(port, process)
    finally:
        _stop(process)
        log.unlink(missing_ok=True)
