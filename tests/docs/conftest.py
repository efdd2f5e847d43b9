"""Fixtures of the documentation tests: the site, built once per session as CI builds it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@dataclass(frozen=True)
class Build:
    """One sphinx-build run: where it wrote, and what it said."""

    out: Path
    returncode: int
    log: str


def sphinx_build(builder: str, out: Path, doctrees: Path) -> Build:
    """Run ``sphinx-build -W --keep-going -b BUILDER`` on docs/, as CI does."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e '.[docs]'")
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
        "-b", builder, "-d", str(doctrees), str(DOCS), str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return Build(out, done.returncode, done.stdout + done.stderr)


@pytest.fixture(scope="session")
def build_docs():
    """``build_docs(builder, out, doctrees)`` runs sphinx-build on docs/ as CI does."""
    return sphinx_build


@pytest.fixture(scope="session")
def doctrees(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("doctrees")


@pytest.fixture(scope="session")
def html_site(tmp_path_factory, doctrees) -> Build:
    """The HTML site, built with warnings as errors."""
    return sphinx_build("html", tmp_path_factory.mktemp("html"), doctrees)


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (no driver, no network).

    ``--remote-debugging-pipe`` makes the browser read NUL-terminated JSON commands from
    file descriptor 3 and write replies and events to descriptor 4, as Puppeteer does.
    ``open(url)`` loads a page and returns what the page's script evaluates to, plus the
    errors the browser reported while loading it (console errors, uncaught exceptions,
    resources that failed to load).
    """

    FLAGS = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    )

    def __init__(self, executable: str, profile: Path, timeout: float = 60.0) -> None:
        import os

        self.timeout = timeout
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # The browser must find the pipes at descriptors 3 and 4. A small Python launcher
        # moves them there and execs chromium (a preexec_fn would not be safe while the test
        # server's thread runs).
        launcher = (  # copies above 10 first, so that neither dup2 overwrites the other pipe
            "import fcntl, os, sys; r, w = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]); "
            "os.dup2(r, 3); os.dup2(w, 4); os.close(r); os.close(w); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-c", launcher, str(to_browser), str(from_browser), executable, *self.FLAGS,
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_browser, from_browser),
        )  # fmt: skip
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self._call(f"{domain}.enable", session=True)

    def _send(self, method: str, params: dict | None, session: bool) -> int:
        import json
        import os

        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict:
        import json
        import os
        import select
        import time

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        import time

        wanted = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._events.append(message)

    def _wait_for(self, event: str) -> None:
        import time

        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == event for e in self._events):
            self._events.append(self._receive(deadline))

    def open(self, url: str, script: str) -> tuple[object, list[str]]:
        """Load ``url``; return the value of ``script`` there and the errors seen loading it."""
        self._events.clear()
        self._call("Page.navigate", {"url": url}, session=True)
        self._wait_for("Page.loadEventFired")
        value = self._call(
            "Runtime.evaluate", {"expression": script, "returnByValue": True, "awaitPromise": True}, session=True
        )
        errors = []
        for event in self._events:
            params = event.get("params", {})
            if event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                errors.append(f"{entry.get('url', '')} {entry['text']}".strip())
            elif event.get("method") == "Runtime.consoleAPICalled" and params["type"] == "error":
                errors.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"]))
            elif event.get("method") == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
        return value["result"].get("value"), errors

    def close(self) -> None:
        import os

        try:
            self._send("Browser.close", None, session=False)
            self._process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - whatever failed, the browser must not outlive the test
            self._process.kill()
            self._process.wait()
        finally:
            os.close(self._write)
            os.close(self._read)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Chromium (Debian's), or a skip that says how to install it."""
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (apt-get install -y chromium); CI installs it in .ci/run")
    browser = Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield browser
    finally:
        browser.close()
