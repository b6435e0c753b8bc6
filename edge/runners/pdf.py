"""A report page as PDF, printed by headless Chromium (the same engine the page tests use).

Why Chromium rather than a Python PDF library: the report is one HTML page with print CSS;
printing that page gives the PDF the therapist also gets from the tablet's own "Print → Save
as PDF", from one layout instead of two. It runs only on demand (never while the pose model
is busy unless asked), and a Pi installs it with ``apt install chromium``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from edge.errors import TreadwatchError

#: Where Chromium is looked for (Debian: chromium; Raspberry Pi OS: chromium-browser).
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_S = 120.0


class PdfError(TreadwatchError):
    """The PDF could not be made."""


def find_chromium() -> str:
    env = os.environ.get("TREADWATCH_CHROMIUM")
    if env:
        return env
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(
        "no Chromium found for the PDF: install it (sudo apt install chromium), or set "
        "TREADWATCH_CHROMIUM, or print the report page from the browser instead"
    )


def html_to_pdf(html_text: str, out: Path, *, chromium: str | None = None) -> None:
    """Print ``html_text`` (self-contained: no network) to ``out`` as A4 PDF."""
    exe = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="treadwatch-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html_text, encoding="utf-8")
        pdf = Path(tmp) / "report.pdf"
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(
                cmd, check=False, capture_output=True, text=True, timeout=TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"Chromium could not print the report: {exc}") from None
        if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise PdfError(f"Chromium could not print the report ({last})")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pdf, out)
        except OSError as exc:
            raise PdfError(f"cannot write {out}: {exc}") from None
