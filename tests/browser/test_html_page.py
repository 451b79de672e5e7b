"""The plan and drift pages in headless Chromium: structure, no console errors, a structural screenshot.

The page of `tests.unit.test_render_html.sample_plan()` is written to a file and opened with
`--dump-dom` (the DOM after scripts ran) and `--screenshot` at a fixed window size. The
screenshot is compared with tests/golden/plan_page_structure.json coarsely, never pixel by
pixel: the size, a grid of mean grey levels, the share of rows holding content, the dark summary
bar at the top and the timeline's colours. After an intended change to the page's look, rewrite
the file with `UPDATE_GOLDEN=1 pytest tests/browser` and review it. PNGs are read with Pillow
when it is installed, else with the small zlib decoder here.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from reconciler.render.html import render_drift_html, render_plan_html
from tests.unit.test_render import make_drift
from tests.unit.test_render_html import XSS, sample_plan

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "plan_page_structure.json"
WIDTH, HEIGHT = 1000, 2600
GRID = (8, 26)  # columns, rows of the grey-level grid
BROWSER_TIMEOUT = 90  # seconds for one headless run
BACKGROUND = 255  # the page's white
BAKE_RGB = (0xBF, 0x87, 0x00)  # svg.timeline .seg-bake
SHIFT_RGB = (0x09, 0x69, 0xDA)  # svg.timeline .seg-shift
# Measured here: another font family or size moves the grid mean by up to ~5 and one block by up to ~60;
# the drift page instead of the plan page moves the mean by ~12 and the content rows by ~0.65.
TOLERANCE = {"grid_mean": 8.0, "grid_max": 90.0, "content_rows": 0.08}

Gray = list[bytearray]  # rows of grey levels


# -- running the browser --------------------------------------------------------------------------


def run_chromium(chromium: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One headless run with a throwaway profile; fails the test when it hangs or exits non-zero."""
    command = [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
               "--disable-background-networking", "--disable-sync", "--mute-audio",
               f"--user-data-dir={home / 'profile'}", *args]
    env = {**os.environ, "HOME": str(home), "LANG": "C.UTF-8"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, env=env, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"headless chromium did not finish within {BROWSER_TIMEOUT} s: {' '.join(command)}")
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    return done


def console_errors(stderr: str) -> list[str]:
    """Lines of Chromium's log that report a page script error or a console.error call."""
    return [line for line in stderr.splitlines()
            if "Uncaught" in line or "console.error" in line or re.search(r":ERROR:CONSOLE\(", line)]


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "plan.html"
    path.write_text(render_plan_html(sample_plan()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def plan_dom(chromium: str, browser_home: Path, plan_file: Path) -> tuple[str, str]:
    done = run_chromium(chromium, browser_home, "--enable-logging=stderr", "--v=0", "--dump-dom",
                        plan_file.as_uri())
    return done.stdout, done.stderr


@pytest.fixture(scope="module")
def screenshot(chromium: str, browser_home: Path, plan_file: Path) -> bytes:
    target = plan_file.with_suffix(".png")
    run_chromium(chromium, browser_home, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={target}",
                 plan_file.as_uri())
    assert target.exists(), "chromium wrote no screenshot"
    return target.read_bytes()


# -- reading PNGs ---------------------------------------------------------------------------------


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, int, list[bytearray]]:
    """(width, height, channels, raw rows) of an 8-bit, non-interlaced grey/RGB/RGBA PNG, by zlib alone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, bytearray(), b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        offset += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    assert depth == 8 and channels and interlace == 0, f"unsupported PNG (depth {depth}, colour type {color})"
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                up_left = previous[i - channels] if i >= channels else 0
                line[i] = (line[i] + _paeth(left, previous[i], up_left)) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def load_rgb(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes): Pillow when installed, else `decode_png`."""
    try:
        import io

        from PIL import Image
    except ImportError:
        width, height, channels, rows = decode_png(data)
        if channels == 3:
            return width, height, [bytes(r) for r in rows]
        out = []
        for row in rows:
            if channels == 4:
                out.append(bytes(b for i in range(0, len(row), 4) for b in row[i:i + 3]))
            else:  # grey, with or without alpha
                out.append(bytes(row[i] for i in range(0, len(row), channels) for _ in range(3)))
        return width, height, out
    image = Image.open(io.BytesIO(data)).convert("RGB")
    raw = image.tobytes()
    stride = image.width * 3
    return image.width, image.height, [raw[y * stride:(y + 1) * stride] for y in range(image.height)]


def structure(data: bytes) -> dict[str, Any]:
    """The screenshot's coarse structure: size, a grid of mean grey levels, content rows, colours seen."""
    width, height, rows = load_rgb(data)
    gray: Gray = [bytearray((299 * r[i] + 587 * r[i + 1] + 114 * r[i + 2]) // 1000 for i in range(0, len(r), 3))
                  for r in rows]
    columns, lines = GRID
    grid = []
    for gy in range(lines):
        y0, y1 = gy * height // lines, (gy + 1) * height // lines
        line = []
        for gx in range(columns):
            x0, x1 = gx * width // columns, (gx + 1) * width // columns
            total = sum(sum(gray[y][x0:x1]) for y in range(y0, y1))
            line.append(round(total / ((y1 - y0) * (x1 - x0)), 1))
        grid.append(line)
    content = sum(1 for row in gray if min(row) < BACKGROUND - 16)
    top = sum(sum(gray[y]) for y in range(0, 40)) / (40 * width)

    def pixels(rgb: tuple[int, int, int]) -> int:
        needle = bytes(rgb)
        return sum(sum(1 for i in range(0, len(r), 3) if r[i:i + 3] == needle) for r in rows)

    return {"size": [width, height], "grid": grid, "content_rows": round(content / height, 3),
            "summary_bar_gray": round(top, 1), "bake_pixels": pixels(BAKE_RGB), "shift_pixels": pixels(SHIFT_RGB)}


# -- the tests ------------------------------------------------------------------------------------


def test_dom_has_the_expected_structure(plan_dom: tuple[str, str]) -> None:
    dom, _ = plan_dom
    assert re.search(r'<header class="summary-bar" id="summary">', dom)
    counts = dict(re.findall(r'data-action="(\w+)" data-count="(\d+)"', dom))
    assert counts == {"create": "2", "update": "4", "replace": "1", "delete": "1"}
    specs = re.findall(r'<section class="spec-group" data-spec="([^"]+)"', dom)
    assert specs == ["Model/churn-xgb", "Endpoint/churn", "Endpoint/fraud", "Endpoint/scoring", "Pipeline/train",
                     "Model/hostile"]
    assert len(re.findall(r'<svg class="timeline"', dom)) == 2
    assert len(re.findall(r'<g class="segment" data-kind="bake"', dom)) == 5  # 1 canary bake + 4 linear
    assert "total worst case 1 h (policy waits 15 min)" in dom
    assert XSS not in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert dom.count("<script>") == 1


def test_page_loads_with_no_console_errors(plan_dom: tuple[str, str]) -> None:
    dom, stderr = plan_dom
    body = re.search(r"<body[^>]*>", dom)
    assert body and 'data-loaded="yes"' in body.group(0), "the page's script did not run to the end"
    assert 'data-errors="0"' in body.group(0), re.findall(r'<ul id="page-errors">.*?</ul>', dom, flags=re.S)
    assert console_errors(stderr) == []


def test_a_script_error_would_be_caught(chromium: str, browser_home: Path, tmp_path: Path) -> None:
    """The checks above are not vacuous: a page whose script fails is reported both ways."""
    page = render_plan_html(sample_plan()).replace("</main>", "<script>console.error('boom'); nope();</script></main>")
    path = tmp_path / "broken.html"
    path.write_text(page, encoding="utf-8")
    done = run_chromium(chromium, browser_home, "--enable-logging=stderr", "--v=0", "--dump-dom", path.as_uri())
    body = re.search(r"<body[^>]*>", done.stdout)
    assert body and 'data-errors="2"' in body.group(0)
    assert "boom" in done.stdout and "Uncaught" in done.stdout
    assert any("nope is not defined" in line for line in console_errors(done.stderr))


def test_drift_page_renders(chromium: str, browser_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "drift.html"
    path.write_text(render_drift_html(make_drift()), encoding="utf-8")
    done = run_chromium(chromium, browser_home, "--enable-logging=stderr", "--v=0", "--dump-dom", path.as_uri())
    assert 'data-loaded="yes" data-errors="0"' in done.stdout or (
        'data-loaded="yes"' in done.stdout and 'data-errors="0"' in done.stdout)
    assert len(re.findall(r'class="label label-drift"', done.stdout)) == 2
    assert console_errors(done.stderr) == []


def mismatches(found: dict[str, Any], golden: dict[str, Any]) -> list[str]:
    """How a screenshot's structure differs from the golden one beyond the tolerances (empty: it matches)."""
    tolerance = golden["tolerance"]
    problems = []
    if found["size"] != golden["size"]:
        return [f"size {found['size']} != {golden['size']}"]
    diffs = [abs(a - b) for row_a, row_b in zip(found["grid"], golden["grid"], strict=True)
             for a, b in zip(row_a, row_b, strict=True)]
    mean = sum(diffs) / len(diffs)
    if mean > tolerance["grid_mean"]:
        problems.append(f"mean grey-level difference {mean:.1f} > {tolerance['grid_mean']}")
    if max(diffs) > tolerance["grid_max"]:
        problems.append(f"largest block difference {max(diffs):.1f} > {tolerance['grid_max']}")
    if abs(found["content_rows"] - golden["content_rows"]) > tolerance["content_rows"]:
        problems.append(f"content rows {found['content_rows']} vs {golden['content_rows']}")
    if found["summary_bar_gray"] >= 90:
        problems.append("the dark summary bar is not at the top")
    for key in ("bake_pixels", "shift_pixels"):  # the timeline's bars are drawn, about as large
        if found[key] < 0.5 * golden[key]:
            problems.append(f"{key} {found[key]} < half of {golden[key]}")
    return problems


def _golden() -> dict[str, Any]:
    assert GOLDEN.exists(), f"missing {GOLDEN}; run with UPDATE_GOLDEN=1 to create it"
    return json.loads(GOLDEN.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_screenshot_structure_matches_golden(screenshot: bytes) -> None:
    assert screenshot[:8] == b"\x89PNG\r\n\x1a\n"
    found = structure(screenshot)
    assert found["size"] == [WIDTH, HEIGHT]
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps({"window": [WIDTH, HEIGHT], "tolerance": TOLERANCE, **found}, indent=1) + "\n",
                          encoding="utf-8")
        return
    assert mismatches(found, _golden()) == []


def test_another_page_does_not_match_the_golden(chromium: str, browser_home: Path, tmp_path: Path) -> None:
    """The comparison is not vacuous: the drift page's screenshot is told apart from the plan page's."""
    if os.environ.get("UPDATE_GOLDEN") == "1":
        pytest.skip("rewriting the golden file")
    path = tmp_path / "drift.html"
    path.write_text(render_drift_html(make_drift()), encoding="utf-8")
    target = tmp_path / "drift.png"
    run_chromium(chromium, browser_home, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={target}", path.as_uri())
    assert mismatches(structure(target.read_bytes()), _golden()) != []


def test_png_decoder_matches_pillow(screenshot: bytes) -> None:
    """The zlib fallback reads what Pillow reads (on a crop with every row filter Pillow chose)."""
    import io

    import PIL.Image as pil

    image = pil.open(io.BytesIO(screenshot)).convert("RGB").crop((0, 1400, 400, 1560))
    for mode in ("RGB", "RGBA", "L"):
        buffer = io.BytesIO()
        image.convert(mode).save(buffer, format="PNG")
        width, height, channels, rows = decode_png(buffer.getvalue())
        assert (width, height, channels) == (400, 160, len(mode))
        assert b"".join(bytes(r) for r in rows) == image.convert(mode).tobytes()
