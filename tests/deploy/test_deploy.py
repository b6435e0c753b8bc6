"""The Raspberry Pi deployment: systemd units, the installer (never run for real here).

The units must start commands and flags the CLI really has, with the environment variables
the code really reads, at the paths the installer really creates. The installer is checked
with ``bash -n``, shellcheck (when installed), ``--print-config`` and a ``--dry-run`` under a
temporary prefix with every system-changing command replaced by a recorder on ``PATH``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from edge.config.root import Config, load_config
from treadwatch.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTALL = DEPLOY / "install.sh"
UNITS = {"serve": DEPLOY / "treadwatch.service", "run": DEPLOY / "treadwatch-headless.service"}
#: Commands that change the system; under --dry-run none of them may run.
SYSTEM_COMMANDS = (
    "apt-get", "systemctl", "useradd", "usermod", "install", "chown", "chmod", "python3",
    "mv", "pip", "mktemp",
)  # fmt: skip

Unit = dict[str, list[tuple[str, str]]]


def parse_unit(path: Path) -> Unit:
    """Sections → (key, value) in order; repeated keys (Environment=) are kept."""
    sections: Unit = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            current = sections.setdefault(m.group(1), [])
            continue
        assert current is not None, f"{path.name}: {line!r} before any [Section]"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not key=value: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def one(unit: Unit, section: str, key: str) -> str:
    values = [v for k, v in unit.get(section, []) if k == key]
    assert len(values) == 1, f"[{section}] {key}: expected one value, got {values}"
    return values[0]


def environment(unit: Unit) -> dict[str, str]:
    env: dict[str, str] = {}
    for k, v in unit["Service"]:
        if k == "Environment":
            name, _, value = v.partition("=")
            env[name] = value
    return env


def installer_paths() -> dict[str, str]:
    """The path variables at the top of install.sh, with ``$VAR`` references expanded."""
    values: dict[str, str] = {}
    for line in INSTALL.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"([A-Z_]+)=([^\s$(]*(?:\$[A-Z_]+[^\s$(]*)*)", line)
        if m:
            values[m.group(1)] = re.sub(r"\$([A-Z_]+)", lambda r: values[r.group(1)], m.group(2))
    return values


@pytest.fixture(scope="module")
def paths() -> dict[str, str]:
    p = installer_paths()
    for key in ("SERVICE_USER", "VENV_DIR", "DATA_DIR", "MODELS_DIR", "CONF_FILE", "UNIT_DIR"):
        assert key in p, f"install.sh no longer defines {key}"
    return p


# ---- units ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(UNITS))
def test_unit_execstart_is_a_real_command(command: str, paths: dict[str, str]) -> None:
    unit = parse_unit(UNITS[command])
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert argv[0] == f"{paths['VENV_DIR']}/bin/treadwatch"
    assert argv[1] == command
    assert argv[argv.index("--config") + 1] == paths["CONF_FILE"]
    # Every flag parses with the real CLI (argparse exits on an unknown one) ...
    args = build_parser().parse_args(argv[1:])
    assert args.command == command
    assert args.config == Path(paths["CONF_FILE"])
    # ... and the subcommand answers --help as an installed program would.
    proc = subprocess.run(
        [sys.executable, "-m", "treadwatch.cli", command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "--config" in proc.stdout


@pytest.mark.parametrize("command", sorted(UNITS))
def test_unit_checks_config_before_start(command: str, paths: dict[str, str]) -> None:
    unit = parse_unit(UNITS[command])
    argv = shlex.split(one(unit, "Service", "ExecStartPre"))
    assert argv == [f"{paths['VENV_DIR']}/bin/treadwatch", "check-config", paths["CONF_FILE"]]
    args = build_parser().parse_args(argv[1:])
    assert args.file == Path(paths["CONF_FILE"])


@pytest.mark.parametrize("command", sorted(UNITS))
def test_unit_restart_policy(command: str) -> None:
    unit = parse_unit(UNITS[command])
    assert one(unit, "Service", "Restart") == "on-failure"
    assert float(one(unit, "Service", "RestartSec")) >= 1
    # "At most 5 restarts a minute".
    assert int(one(unit, "Unit", "StartLimitBurst")) == 5
    assert int(one(unit, "Unit", "StartLimitIntervalSec")) == 60
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("command", sorted(UNITS))
def test_unit_user_paths_and_hardening(command: str, paths: dict[str, str]) -> None:
    unit = parse_unit(UNITS[command])
    assert one(unit, "Service", "User") == paths["SERVICE_USER"]
    assert "video" in one(unit, "Service", "SupplementaryGroups").split()
    assert one(unit, "Service", "ProtectSystem") == "strict"
    assert one(unit, "Service", "ReadWritePaths").split() == [paths["DATA_DIR"]]
    assert one(unit, "Service", "NoNewPrivileges") == "true"
    assert one(unit, "Service", "PrivateTmp") == "true"
    assert one(unit, "Service", "WorkingDirectory") == paths["DATA_DIR"]
    # The camera lives in /dev: these would hide it (ProtectClock implies DeviceAllow=char-rtc,
    # which turns device access into an allow-list without the camera).
    keys = {k for k, _ in unit["Service"]}
    assert not keys & {"PrivateDevices", "DevicePolicy", "DeviceAllow", "ProtectClock"}
    env = environment(unit)
    assert env["TREADWATCH_DATA_DIR"] == paths["DATA_DIR"]
    assert env["TREADWATCH_MODELS_DIR"] == paths["MODELS_DIR"]
    assert paths["MODELS_DIR"].startswith(paths["DATA_DIR"] + "/")  # writable


@pytest.mark.parametrize("command", sorted(UNITS))
def test_unit_environment_is_what_the_code_reads(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unit's variables steer the code: sessions and models land under /var/lib."""
    from edge.recording.config import default_data_dir
    from models.fetch import default_cache_dir

    env = environment(parse_unit(UNITS[command]))
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_data_dir() == Path(env["TREADWATCH_DATA_DIR"])
    assert default_cache_dir() == Path(env["TREADWATCH_MODELS_DIR"])
    config = Config()
    assert config.recording.resolved_db_path() == Path(env["TREADWATCH_DATA_DIR"]) / "sessions.db"


def test_units_exclude_each_other() -> None:
    serve, run = (parse_unit(UNITS[c]) for c in ("serve", "run"))
    assert one(serve, "Unit", "Conflicts") == UNITS["run"].name
    assert one(run, "Unit", "Conflicts") == UNITS["serve"].name


def test_units_pass_systemd_analyze() -> None:
    """Unknown directives or bad values are errors; the only expected complaint here is that
    the venv is not installed on this machine."""
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze not installed")
    proc = subprocess.run(
        [exe, "verify", *(str(p) for p in UNITS.values())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    unexpected = [ln for ln in lines if "is not executable" not in ln]
    assert unexpected == []


# ---- installer -------------------------------------------------------------------------------


def test_installer_is_valid_bash() -> None:
    proc = subprocess.run(
        ["bash", "-n", str(INSTALL)], capture_output=True, text=True, timeout=30, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert os.access(INSTALL, os.X_OK)
    text = INSTALL.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text


def test_installer_passes_shellcheck() -> None:
    exe = shutil.which("shellcheck")
    if exe is None:
        pytest.skip("shellcheck not installed (apt-get install shellcheck)")
    proc = subprocess.run(
        [exe, "--severity=style", str(INSTALL)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


def _recorder_path(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """PATH where every system-changing command only appends its name to a log."""
    fake = tmp_path / "fakebin"
    fake.mkdir()
    log = tmp_path / "ran.log"
    for name in SYSTEM_COMMANDS:
        p = fake / name
        p.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
        p.chmod(p.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    return env, log


def _dry_run(tmp_path: Path, *extra: str) -> tuple[str, Path]:
    prefix = tmp_path / "root"
    prefix.mkdir()
    env, log = _recorder_path(tmp_path)
    proc = subprocess.run(
        ["bash", str(INSTALL), "--dry-run", "--prefix", str(prefix), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert not log.exists(), f"--dry-run ran: {log.read_text()}"
    assert list(prefix.iterdir()) == [], "--dry-run created files"
    return proc.stdout, prefix


def test_dry_run_shows_every_step_and_changes_nothing(
    tmp_path: Path, paths: dict[str, str]
) -> None:
    out, prefix = _dry_run(tmp_path)
    p = str(prefix)
    venv = p + paths["VENV_DIR"]
    cmds = [ln[2:] for ln in out.splitlines() if ln.startswith("+ ")]

    def step(pattern: str) -> str:
        hits = [c for c in cmds if re.search(pattern, c)]
        assert hits, f"no step matching {pattern!r} in:\n" + "\n".join(cmds)
        return hits[0]

    apt = step(r"apt-get install ")
    for pkg in ("python3-venv", "python3-picamera2"):
        assert pkg in apt.split()
    user = step(r"^(useradd|usermod) ")
    assert "video" in user.split()
    assert paths["SERVICE_USER"] in user.split()
    step(rf"^python3 -m venv --system-site-packages {re.escape(venv)}$")
    copy = step(r"^tar -C ")
    assert copy.startswith(f"tar -C {REPO} ")
    assert "--exclude=./.git" in copy.split()
    pip = step(rf"^{re.escape(venv)}/bin/python -m pip install .* --upgrade --constraint ")
    copy_dir = shlex.split(copy)[-3]
    assert shlex.split(copy)[-6:] == ["|", "tar", "-C", copy_dir, "-xf", "-"]
    assert shlex.split(pip)[-1] == copy_dir  # installs the copy, not the clone
    assert f"--constraint {DEPLOY / 'constraints-pi.txt'}" in pip
    step(rf"treadwatch config-example .* > {re.escape(p + paths['CONF_FILE'])}$")
    step(rf"^{re.escape(venv)}/bin/treadwatch check-config {re.escape(p + paths['CONF_FILE'])}$")
    fetch = step(r"models fetch$")
    assert f"TREADWATCH_MODELS_DIR={p}{paths['MODELS_DIR']}" in fetch
    dirs = " ".join(c for c in cmds if c.startswith("install -d"))
    for key in ("DATA_DIR", "MODELS_DIR"):
        assert p + paths[key] in dirs
    units = step(
        rf"^install -m 0644 -o root -g root .*\.service {re.escape(p + paths['UNIT_DIR'])}/$"
    )
    for path in UNITS.values():
        assert str(path) in units.split()
    enable = cmds.index("systemctl enable treadwatch.service")
    assert cmds.index("systemctl daemon-reload") < enable
    assert cmds.index("systemctl restart treadwatch.service") > enable
    assert "systemctl disable --now treadwatch-headless.service" in cmds
    assert re.search(r"the page: http://\S+:8000/", out)


def test_dry_run_headless_enables_the_headless_unit(tmp_path: Path) -> None:
    out, _ = _dry_run(tmp_path, "--headless", "--skip-apt", "--skip-models")
    cmds = [ln[2:] for ln in out.splitlines() if ln.startswith("+ ")]
    assert "systemctl enable treadwatch-headless.service" in cmds
    assert "systemctl disable --now treadwatch.service" in cmds
    assert not [c for c in cmds if "apt-get" in c or "models fetch" in c]


@pytest.mark.parametrize(
    "args",
    [["--prefix", "/tmp/x"], ["--bogus"], ["--dry-run", "--source", 'a"b'], ["--source"]],
)
def test_installer_refuses_bad_arguments(tmp_path: Path, args: list[str]) -> None:
    env, log = _recorder_path(tmp_path)
    proc = subprocess.run(
        ["bash", str(INSTALL), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("install.sh: error: ")
    assert not log.exists()


@pytest.mark.parametrize("source", ["picamera", "camera:1", "rtsp://cam.local/s?a=1&b=2"])
def test_new_config_is_valid_and_uses_the_camera(tmp_path: Path, source: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", str(INSTALL), "--print-config", "--source", source],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    conf = tmp_path / "config.toml"
    conf.write_text(proc.stdout)
    config = load_config(conf)
    assert config.capture.source == source
    # Everything else is the default.
    expected = Config().model_dump()
    expected["capture"]["source"] = source
    assert config.model_dump() == expected


def test_pi_constraints_keep_numpy_1() -> None:
    lines = [
        ln.split("#")[0].strip()
        for ln in (DEPLOY / "constraints-pi.txt").read_text().splitlines()
        if ln.split("#")[0].strip()
    ]
    assert "numpy>=1.26,<2" in lines
    text = INSTALL.read_text(encoding="utf-8")
    assert "CONSTRAINTS=deploy/constraints-pi.txt" in text
