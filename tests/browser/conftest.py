"""Finds a headless Chromium for the browser tests, installing Debian's `chromium` package when missing.

Looked for on PATH as `chromium`, `chromium-browser` or `google-chrome` (or `$CHROMIUM`). When none
is there and the tests run as root with apt-get available, `apt-get install -y chromium` is run with
a bounded timeout; the tests skip, saying why, only when apt is unavailable or the package registry
cannot be reached (or the install fails).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
UPDATE_TIMEOUT = 300  # seconds for apt-get update
INSTALL_TIMEOUT = 900  # seconds for apt-get install


def find_chromium() -> str | None:
    """The first Chromium-like browser on PATH (or $CHROMIUM), None when there is none."""
    chosen = os.environ.get("CHROMIUM")
    if chosen and shutil.which(chosen):
        return shutil.which(chosen)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _apt(args: list[str], timeout: int) -> tuple[bool, str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(["apt-get", *args], capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return False, f"apt-get {' '.join(args)} took longer than {timeout} s"
    return done.returncode == 0, (done.stdout[-1500:] + done.stderr[-1500:])


def install_chromium() -> str:
    """Install Debian's chromium; the reason to skip when that cannot be done (never raises)."""
    if not shutil.which("apt-get"):
        return "no chromium on PATH and apt-get is unavailable"
    if os.geteuid() != 0:
        return "no chromium on PATH and not running as root to apt-get install it"
    ok, output = _apt(["update", "-qq"], UPDATE_TIMEOUT)
    if not ok:
        return f"no chromium on PATH and the package registry is unreachable (apt-get update failed): {output}"
    ok, output = _apt(["install", "-y", "-qq", "chromium"], INSTALL_TIMEOUT)
    if not ok:
        return f"no chromium on PATH and apt-get install -y chromium failed: {output}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium, installed if needed; skips with the reason otherwise."""
    found = find_chromium()
    if found is None:
        reason = install_chromium()
        found = find_chromium()
        if found is None:
            print(f"browser tests skipped: {reason or 'chromium still not on PATH after installing it'}")
            pytest.skip(reason or "chromium still not on PATH after installing it")
    return found


@pytest.fixture(scope="session")
def browser_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh profile and home for the browser, so no user state affects the rendering."""
    return tmp_path_factory.mktemp("chromium-home")
