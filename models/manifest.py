"""Reading the model manifest."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from edge.errors import ModelError

MANIFEST_PATH = Path(__file__).with_name("manifest.toml")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    package: str
    version: str
    wheel_platform: str
    wheel_python: str
    member: str
    sha256: str
    size_bytes: int
    input_size: tuple[int, int]
    layout: str
    license: str

    @property
    def filename(self) -> str:
        return Path(self.member).name


def load_manifest(path: Path | None = None) -> dict[str, ModelSpec]:
    """Models by name, from ``models/manifest.toml`` (or ``path``)."""
    if path is None:
        path = MANIFEST_PATH
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
        specs = {}
        for m in raw["model"]:
            specs[m["name"]] = ModelSpec(
                name=m["name"],
                package=m["package"],
                version=m["version"],
                wheel_platform=m["wheel_platform"],
                wheel_python=m["wheel_python"],
                member=m["member"],
                sha256=m["sha256"].lower(),
                size_bytes=int(m["size_bytes"]),
                input_size=(int(m["input_size"][0]), int(m["input_size"][1])),
                layout=m["layout"],
                license=m["license"],
            )
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"model manifest is malformed: {exc}") from None
    return specs


#: Where committed model files live (``models/weights/``).
WEIGHTS_DIR = MANIFEST_PATH.with_name("weights")


@dataclass(frozen=True, slots=True)
class TrainedSpec:
    """A model trained by this project and committed with it (not fetched)."""

    name: str
    filename: str
    sha256: str
    size_bytes: int
    derived_from: str
    license: str
    notice: str
    recipe: str

    @property
    def path(self) -> Path:
        return WEIGHTS_DIR / self.filename


def load_trained(path: Path | None = None) -> dict[str, TrainedSpec]:
    """Committed, trained models by name (the manifest's ``[[trained]]`` entries)."""
    text = (path or MANIFEST_PATH).read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
        return {
            t["name"]: TrainedSpec(
                name=t["name"],
                filename=t["filename"],
                sha256=t["sha256"].lower(),
                size_bytes=int(t["size_bytes"]),
                derived_from=t["derived_from"],
                license=t["license"],
                notice=t["notice"],
                recipe=t["recipe"],
            )
            for t in raw.get("trained", [])
        }
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"model manifest is malformed: {exc}") from None
