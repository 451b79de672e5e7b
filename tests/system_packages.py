"""System tools some tests need (a browser, kubectl), installed with Debian's apt-get when missing.

`install(package)` runs `apt-get update` and `apt-get install -y PACKAGE` with bounded timeouts when
the tests run as root with apt-get available, and returns why it could not (never raises): the tests
that need the tool skip, saying why, only then (no apt, not root, the package registry unreachable,
the install failed).
"""

from __future__ import annotations

import os
import shutil
import subprocess

UPDATE_TIMEOUT = 300  # seconds for apt-get update
INSTALL_TIMEOUT = 900  # seconds for apt-get install


def _apt(args: list[str], timeout: int) -> tuple[bool, str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(["apt-get", *args], capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return False, f"apt-get {' '.join(args)} took longer than {timeout} s"
    return done.returncode == 0, (done.stdout[-1500:] + done.stderr[-1500:])


def install(package: str, what: str) -> str:
    """Install Debian's `package` (providing `what`); "" when done, else the reason to skip."""
    if not shutil.which("apt-get"):
        return f"no {what} on PATH and apt-get is unavailable"
    if os.geteuid() != 0:
        return f"no {what} on PATH and not running as root to apt-get install it"
    ok, output = _apt(["update", "-qq"], UPDATE_TIMEOUT)
    if not ok:
        return f"no {what} on PATH and the package registry is unreachable (apt-get update failed): {output}"
    ok, output = _apt(["install", "-y", "-qq", package], INSTALL_TIMEOUT)
    if not ok:
        return f"no {what} on PATH and apt-get install -y {package} failed: {output}"
    return ""
