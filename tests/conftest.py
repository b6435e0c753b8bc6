"""Shared fixtures: where the shared data lives, and the fetched pose models.

Data-dependent tests skip when ``../shared/data`` (or ``$TREADWATCH_SHARED/data``) is absent,
except under ``CI=true`` where absence is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# Tests never read or write the user's own sessions (~/.local/share/treadwatch): every
# default database, lock and settings file of this run (and of the servers it starts) goes
# in a directory of its own. A test that wants the default path sets its own.
if "TREADWATCH_DATA_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["TREADWATCH_DATA_DIR"] = tempfile.mkdtemp(prefix="treadwatch-tests-")
    atexit.register(shutil.rmtree, os.environ["TREADWATCH_DATA_DIR"], ignore_errors=True)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def shared_dir() -> Path:
    env = os.environ.get("TREADWATCH_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false, or fail under CI=true."""
    if condition:
        return
    if _in_ci():
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_dir() / "data"
    require((d / "videos").is_dir(), f"shared data not found at {d}")
    return d


@pytest.fixture(scope="session")
def model_paths() -> dict[str, Path]:
    from models.fetch import REQUIRED_MODELS, default_cache_dir
    from models.manifest import load_manifest

    specs = load_manifest()
    cache = default_cache_dir()
    paths = {n: cache / specs[n].filename for n in REQUIRED_MODELS}
    require(
        all(p.is_file() for p in paths.values()),
        f"pose models not fetched into {cache} (run `treadwatch models fetch`)",
    )
    return paths


def copy_models(model_paths: dict[str, Path], dest: Path) -> Path:
    """A private copy of the fetched models in ``dest`` (a test may alter or add files)."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in model_paths.values():
        shutil.copy2(p, dest / p.name)
    return dest


@pytest.fixture(autouse=True)
def _no_log_filter_leaks() -> Iterator[None]:
    """A command run in-process (``serve``) puts its flood filter on the root logger's
    handlers, which include pytest's capture handlers: take it off after each test so that
    the next test sees every record it logs."""
    yield
    import logging

    from edge.logfilter import RepeatFilter

    for handler in logging.getLogger().handlers:
        for flt in [f for f in handler.filters if isinstance(f, RepeatFilter)]:
            handler.removeFilter(flt)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright, one per test module."""
    from tests.support.browser import CHROMIUM, LAUNCH_ARGS

    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
