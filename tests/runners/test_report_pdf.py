"""The one-page report: ``treadwatch report SESSION --pdf`` printed by Chromium, turned into
PNG by pdftoppm and read back by pdftotext (Debian poppler-utils); normal ranges through
the coaching module's normal ranges (edge.gait.ranges)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from edge.recording.store import SessionStore
from edge.runners.progress import digits, label
from edge.runners.ranges import MetricRange, range_for
from edge.runners.report_data import session_report_data
from tests.conftest import require
from tests.runners.conftest import Recorded
from tests.runners.test_runners_live import _medians
from tests.support.browser import CHROMIUM
from treadwatch.cli import main


def _tools() -> None:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    require(
        all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo")),
        "poppler-utils not installed (apt-get install poppler-utils)",
    )


def _fmt(v: float, d: int) -> str:
    text = f"{v:.{d}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def test_session_report_pdf_has_the_runners_numbers(recorded: Recorded, tmp_path: Path) -> None:
    _tools()
    sid = recorded.sessions[0]
    out = tmp_path / "out.pdf"
    assert main(["sessions", "report", str(sid), "--db", str(recorded.db), "--pdf", str(out)]) == 0
    with SessionStore(recorded.db) as store:
        data = session_report_data(store, sid)
    assert out.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout  # one page

    subprocess.run(["pdftoppm", "-png", "-r", "50", str(out), str(tmp_path / "page")], check=True)
    png = tmp_path / "page-1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000  # a drawn page, not a blank one

    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Ana P." in text
    assert "“land under your hips”" in text
    lines = {ln.strip().split("  ")[0]: ln for ln in text.splitlines() if ln.strip()}
    with SessionStore(recorded.db) as store:
        own = _medians(store, sid)  # the session's own numbers, from its stored steps
    assert len(data["metrics"]) == 10
    for m in data["metrics"]:
        row = lines[label(m["name"])]
        if m["name"] not in own:  # measured, never surely enough (arms from the side)
            assert "low confidence: not judged" in row and "range" not in row, row
            continue
        median, n = own[m["name"]]
        # The row reads: label, today's median, unit, normal range, verdict, last time, steps.
        cells = row.strip()[len(label(m["name"])) :].split()
        assert cells[0] == _fmt(median, digits(m["name"])), row
        assert cells[-1] == str(n), row
    # The normal ranges (edge.gait.ranges) are shown against the numbers.
    cadence_range = range_for("cadence_spm")
    assert cadence_range is not None
    shown = re.escape(cadence_range.text(digits("cadence_spm")))
    assert re.search(rf"Cadence\s+\d+\s+steps/min\s+{shown}\s+(in|near|outside) range", text)
    assert "First recorded visit" in text


def test_runner_report_over_a_date_range(recorded: Recorded, tmp_path: Path) -> None:
    _tools()
    out = tmp_path / "runner.pdf"
    html = tmp_path / "runner.html"
    argv = ["runners", "report", str(recorded.ben), "--db", str(recorded.db)]
    assert main([*argv, "--from", "2000-01-01", "--pdf", str(out), "--html", str(html)]) == 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Progress report" in text
    assert "Ben K." in text
    assert "1 visit(s)" in text
    assert 'data-session="' in html.read_text()
    # A range that excludes the session: no visits.
    assert main([*argv, "--to", "2000-01-01", "--html", str(html)]) == 0
    assert "0 visit(s)" in html.read_text()


def test_report_mistakes_are_one_line(
    recorded: Recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(recorded.db)]
    assert main(["sessions", "report", "99999", *db]) == 2
    assert main(["runners", "report", str(2**63), *db]) == 2
    assert main(["runners", "report", "999", *db]) == 2
    assert main(["report", *db]) == 2
    assert main(["runners", "export", "x", *db]) == 2
    assert main(["runners", "delete", "999", "--sessions", "delete", *db]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 6
    assert all(line.startswith("treadwatch: error: ") for line in err)
    assert "no session '99999'" in err[0]
    assert "not a runner id" in err[1]
    assert "no runner 999" in err[2]


def test_runners_cli_list_and_export(
    recorded: Recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runners", "list", "--db", str(recorded.db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == [str(recorded.ana), "1", "yes", "Ana", "P."]
    assert out[2].split() == [str(recorded.ben), "1", "no", "Ben", "K."]
    assert main(["runners", "export", str(recorded.ben), "--format", "csv", "--db",
                 str(recorded.db)]) == 0  # fmt: skip
    rows = capsys.readouterr().out.strip().splitlines()
    with SessionStore(recorded.db) as store:
        assert len(rows) - 1 == len(store.strides(recorded.sessions[1]))


def test_ranges_are_the_coaching_modules() -> None:
    from edge.gait.ranges import RANGES

    gait = RANGES["cadence_spm"]
    r = range_for("cadence_spm")
    assert r == MetricRange(gait.green, gait.amber, gait.source)
    inside = (gait.green[0] + gait.green[1]) / 2
    near = (gait.amber[0] + gait.green[0]) / 2
    outside = gait.amber[0] - 1.0
    assert [r.verdict(v) for v in (inside, near, outside, None)] == ["in", "near", "out", None]
    assert range_for("no_such_metric") is None
    assert MetricRange((None, 0.1), (None, 0.2), "x").verdict(0.15) == "near"
