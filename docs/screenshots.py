"""Regenerate the README's screenshots from a real demo server.

    .venv/bin/python docs/screenshots.py [--out docs]

Starts ``treadwatch serve --source demo`` on a free loopback port with a temporary config
(a PIN, sessions in a temporary directory, a short fault schedule), drives Debian's
``chromium`` with Playwright, and writes:

- ``live-landscape.png`` (1280×800) and ``live-portrait.png`` (800×1280): the live page
  while a cue is up;
- ``settings.png`` (1280×800): the settings page after the PIN;
- ``review-session.png`` (1280 wide): the review page of the session just recorded, at
  its first cue, down to the first plots;
- ``live-ended-portrait.png`` (800×1280): the live page once the runner has left, with the
  session's figures and the link to its review (the PIN unlocked on this tablet);
- ``replay.png`` (1280×800): "Replay last stride" during the overstride phase, held on a
  landing with its angles drawn;
- ``stride-beside-stride.png`` (1280×800): that replay beside the session's reference
  stride (taken 4 s in, while running well), aligned on the landing.

``--only replay`` makes the two replay pictures alone.

Takes about a minute. Needs the ``chromium`` package (``make test`` installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PIN = "246813"
CONFIG = """\
[server]
settings_pin = "{pin}"

[recording]
db_path = "{db}"

[capture]
demo_schedule = ["clean", "overstride", "clean", "head_down", "clean", "arms", "absent", "absent"]
demo_phase_s = 6.0
absence_timeout_s = 1.0

[replay]
reference_after_s = 4.0
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def demo_server(tmp: Path) -> Iterator[str]:
    cfg = tmp / "config.toml"
    cfg.write_text(CONFIG.format(pin=PIN, db=tmp / "sessions.db"), encoding="utf-8")
    port = free_port()
    cmd = [
        sys.executable,
        "-c",
        "import sys; from treadwatch.cli import main; sys.exit(main())",
        "serve",
        "--source",
        "demo",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--config",
        str(cfg),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise SystemExit(f"the demo server did not start:\n{err}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            if time.monotonic() > deadline:
                raise SystemExit("the demo server did not answer within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--only", choices=["replay"], help="make only these pictures")
    args = ap.parse_args(argv)
    if not CHROMIUM.exists():
        print("chromium not found at /usr/bin/chromium (apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_server(Path(tmp)) as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        replay_shots(browser, url, out)
        if args.only == "replay":
            browser.close()
            return _listed(out, REPLAY_SHOTS)
        land = browser.new_page(viewport={"width": 1280, "height": 800})
        port = browser.new_page(viewport={"width": 800, "height": 1280})
        for page in (land, port):
            page.goto(url + "/")
        # The overstride phase (6-12 s) raises "land under your hips".
        for page in (land, port):
            page.wait_for_selector('#cue[data-rule="overstride"]', timeout=40_000)
        land.wait_for_timeout(1500)
        land.screenshot(path=str(out / "live-landscape.png"))
        port.screenshot(path=str(out / "live-portrait.png"))
        land.close()
        port.close()

        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        page.goto(url + "/settings")
        page.fill("#pin", PIN)
        page.click("#pin-submit")
        page.wait_for_selector("#f-alerts-overstride-threshold")
        page.wait_for_function("document.getElementById('zone-img').naturalWidth > 0")
        page.screenshot(path=str(out / "settings.png"))

        # The session recorded so far (steps are written every few seconds).
        page.wait_for_timeout(6000)
        page.goto(url + "/review/session?id=1")
        page.wait_for_selector("body[data-loaded=true]", timeout=20_000)
        page.wait_for_function("document.getElementById('overlay').dataset.drawn === '1'")
        if page.locator("#alerts tbody tr").count():
            page.locator("#alerts tbody tr").first.click()  # the replay at the first cue
            page.wait_for_timeout(1500)
        page.evaluate("window.scrollTo(0, 0)")
        # The top of the page down to the first row of plots.
        page.screenshot(
            path=str(out / "review-session.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": 1400},
        )
        # The runner leaves (the "absent" phase): the session's figures and its review link.
        ended = ctx.new_page()
        ended.set_viewport_size({"width": 800, "height": 1280})
        ended.goto(url + "/")
        ended.wait_for_function("window.twEnded && window.twEnded.id", timeout=60_000)
        ended.wait_for_timeout(500)
        ended.screenshot(path=str(out / "live-ended-portrait.png"))
        ctx.close()
        browser.close()
    return _listed(
        out,
        (
            "live-landscape",
            "live-portrait",
            "settings",
            "review-session",
            "live-ended-portrait",
            *REPLAY_SHOTS,
        ),
    )


REPLAY_SHOTS = ("replay", "stride-beside-stride")


def _listed(out: Path, names: tuple[str, ...]) -> int:
    for name in names:
        path = out / f"{name}.png"
        print(f"{path}  {path.stat().st_size // 1024} KiB")
    return 0


def _held_landing(page: Any, panes: int) -> None:
    """Waits until a landing is held with its angles drawn in every pane."""
    page.wait_for_function(
        """(n) => { const h = window.twInstant; if (!h.holding) return false;
             const last = h.contactDrawn[h.contactDrawn.length - 1];
             return last && h.contactDrawn.filter((c) => c.at === last.at).length === n; }""",
        arg=panes,
        timeout=30_000,
    )


def replay_shots(browser: Any, url: str, out: Path) -> None:
    """The replay of the last stride in the overstride phase, alone and beside the
    session's reference stride (4 s in, running well)."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url + "/")
    # Overstriding now (the last step's value), not only the cue (which lags a few steps).
    page.wait_for_function(
        "Number(document.getElementById('last-overstride').textContent) > 0.2", timeout=40_000
    )
    page.wait_for_timeout(800)  # two landings of it
    page.click("#replay-last")  # the replay is of the strides before the tap, whatever follows
    _held_landing(page, 1)
    page.screenshot(path=str(out / "replay.png"))
    page.click("#rp-compare button[data-kind='first_minute']")
    page.wait_for_function("window.twInstant.compared === 'first_minute'")
    _held_landing(page, 2)
    page.screenshot(path=str(out / "stride-beside-stride.png"))
    page.close()


if __name__ == "__main__":
    sys.exit(main())
