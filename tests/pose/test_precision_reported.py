"""``/api/status`` and ``treadwatch analyze`` say which precision the landmark model runs
in, and why (a real server on a clip and a real analysis, with the real pose engine)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.config.root import Config
from edge.live.capture import open_source
from edge.pose.precision import choose_precision, read_cpu_fp16
from server.app import create_app
from tests.support.serving import serve
from treadwatch.cli import main


@pytest.mark.data
def test_status_reports_the_precision_that_runs(
    shared_data: Path, model_paths: dict[str, Path]
) -> None:
    cfg = Config.model_validate({"pose": {"precision": "fp16"}, "recording": {"enabled": False}})
    clip = shared_data / "videos" / "front_jog_single.mp4"
    app = create_app(cfg, open_source(str(clip), cfg.capture))
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
        deadline = time.monotonic() + 30.0
        status: dict[str, Any] = c.get("/api/status").json()
        while status["analysis"]["frames"] < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
            status = c.get("/api/status").json()
    ran = choose_precision("fp16", read_cpu_fp16())
    assert status["analysis"]["frames"] >= 3
    assert status["pose"]["precision"] == {
        "requested": "fp16",
        "running": ran.running,
        "reason": ran.reason,
    }


def test_status_has_no_precision_for_a_simulated_runner() -> None:
    from edge.live.demo import DemoSource

    cfg = Config.model_validate({"recording": {"enabled": False}})
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
        status = c.get("/api/status").json()
    assert status["pose"] == {"precision": None}


@pytest.mark.data
def test_analyze_says_which_precision_ran(
    shared_data: Path,
    model_paths: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clip = shared_data / "videos" / "front_jog_single.mp4"
    report = tmp_path / "r.json"
    args = ["analyze", str(clip), "--max-frames", "3", "--report", str(report)]
    assert main([*args, "--precision", "fp16"]) == 0
    ran = choose_precision("fp16", read_cpu_fp16())
    assert f"landmark model in {ran.running} ({ran.reason})" in capsys.readouterr().err
    assert report.is_file()
    # -q: nothing but errors.
    assert main([*args, "--precision", "fp32", "-q"]) == 0
    assert "landmark model" not in capsys.readouterr().err
