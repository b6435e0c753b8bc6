"""The command line: user mistakes give one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from treadwatch.cli import main


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("analyze", "check-config", "models"):
        assert cmd in out


@pytest.mark.parametrize("kind", ["missing", "directory", "text"])
def test_analyze_bad_input_is_one_line(kind: str, tmp_path: Path) -> None:
    target = {"missing": tmp_path / "nope.mp4", "directory": tmp_path, "text": tmp_path / "x.mp4"}[
        kind
    ]
    if kind == "text":
        target.write_text("not a video at all")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "treadwatch.cli",
            "analyze",
            str(target),
            "--landmarks",
            str(tmp_path / "o.npz"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2
    err_lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("treadwatch: error")]
    assert len(err_lines) == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.npz").exists()


@pytest.mark.model
def test_analyze_writes_landmarks(tmp_path: Path, model_paths: dict[str, Path]) -> None:
    import cv2

    video = tmp_path / "blank.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (160, 120))
    for i in range(6):
        writer.write(np.full((120, 160, 3), 20 * i, np.uint8))
    writer.release()
    out = tmp_path / "lm.npz"
    assert main(["analyze", str(video), "--landmarks", str(out), "-q"]) == 0
    data = np.load(out)
    assert data["landmarks"].shape == (6, 33, 4) and data["landmarks"].dtype == np.float32
    assert np.isnan(data["landmarks"]).all()  # nobody in a blank video: NaN rows
    assert float(data["fps"]) == pytest.approx(25.0)
    assert (int(data["width"]), int(data["height"])) == (160, 120)


@pytest.mark.model
def test_analyze_store_keeps_a_small_copy_of_the_video(
    tmp_path: Path, model_paths: dict[str, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    """``analyze --store``: the session gets its own video (reason "video"), frame for frame,
    so the review page replays it with the skeleton over it."""
    import cv2

    from edge.recording.store import SessionStore

    video = tmp_path / "tall.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (360, 640))
    for i in range(8):
        writer.write(np.full((640, 360, 3), 20 * i, np.uint8))
    writer.release()
    db = tmp_path / "data" / "sessions.db"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[recording]\ndb_path = "{db}"\n')
    assert main(["analyze", str(video), "--store", "--config", str(cfg), "-q"]) == 0
    store = SessionStore(db)
    try:
        (info,) = store.list_sessions()
        (clip,) = store.clips(info.id)
    finally:
        store.close()
    assert clip.reason == "video"
    assert (clip.width, clip.height) == (270, 480)
    assert clip.frame_times == pytest.approx([i / 25.0 for i in range(8)])
    assert (db.parent / "clips" / clip.path).is_file()
    # Encoders tried and missing here (no V4L2 H.264 off a Pi) are not errors to show:
    # another one wrote the copy.
    err = capfd.readouterr().err
    for chatter in ("h264_v4l2m2m", "Failed to initialize VideoWriter", "Could not open codec"):
        assert chatter not in err, err


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (["sessions", "export", "7", "--format", "json"], ["export", "7", "--format", "json"]),
        (["sessions", "report", "7", "--pdf", "r.pdf"], ["report", "7", "--pdf", "r.pdf"]),
        (["runners", "report", "3", "--from", "2026-01-01"],
         ["report", "--runner", "3", "--from", "2026-01-01"]),
    ],
)  # fmt: skip
def test_one_grammar_and_the_old_spellings_still_work(new: list[str], old: list[str]) -> None:
    """Sessions and runners are exported and reported the same way (``sessions export|report
    N``, ``runners export|report N``); the spellings from before still run the same command
    with the same arguments."""
    from treadwatch.cli import build_parser

    parser = build_parser()
    a, b = vars(parser.parse_args(new)), vars(parser.parse_args(old))
    assert a["func"] is b["func"]
    shared = {k for k in a.keys() & b.keys() if not k.endswith("command")}
    assert {k: a[k] for k in shared} == {k: b[k] for k in shared}
    assert {"session", "runner"} & shared


def test_help_lists_the_new_grammar_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = {ln.split()[0] for ln in capsys.readouterr().out.splitlines() if ln.startswith("    ")}
    assert {"sessions", "runners", "models", "serve", "run", "hub"} <= listed
    assert not listed & {"export", "report"}
