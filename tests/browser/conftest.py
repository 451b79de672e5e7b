"""Finds a headless Chromium for the browser tests, installing Debian's `chromium` package when missing.

Looked for on PATH as `chromium`, `chromium-browser` or `google-chrome` (or `$CHROMIUM`). When none
is there and the tests run as root with apt-get available, `apt-get install -y chromium` is run with
a bounded timeout; the tests skip, saying why, only when apt is unavailable or the package registry
cannot be reached (or the install fails).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.system_packages import install

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")



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


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium, installed if needed; skips with the reason otherwise."""
    found = find_chromium()
    if found is None:
        reason = install("chromium", "chromium")
        found = find_chromium()
        if found is None:
            print(f"browser tests skipped: {reason or 'chromium still not on PATH after installing it'}")
            pytest.skip(reason or "chromium still not on PATH after installing it")
    return found


@pytest.fixture(scope="session")
def browser_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh profile and home for the browser, so no user state affects the rendering."""
    return tmp_path_factory.mktemp("chromium-home")
