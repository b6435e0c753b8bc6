"""The TFLite runtime loader: LiteRT first, tflite-runtime as the fallback, clear errors."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from edge.errors import ModelError
from edge.pose import interpreter


def test_prefers_ai_edge_litert() -> None:
    cls, name = interpreter._interpreter_class()
    assert name == "ai-edge-litert" and cls.__module__.startswith("ai_edge_litert")


def test_falls_back_to_tflite_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeInterpreter:
        pass

    fake_pkg = types.ModuleType("tflite_runtime")
    fake_mod = types.ModuleType("tflite_runtime.interpreter")
    fake_mod.Interpreter = FakeInterpreter  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)  # import fails
    monkeypatch.setitem(sys.modules, "tflite_runtime", fake_pkg)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", fake_mod)
    cls, name = interpreter._interpreter_class()
    assert (cls, name) == (FakeInterpreter, "tflite-runtime")


def test_no_runtime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", None)
    with pytest.raises(ModelError, match="pip install ai-edge-litert"):
        interpreter._interpreter_class()


def test_missing_and_corrupt_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="models fetch"):
        interpreter.TFLiteModel(tmp_path / "absent.tflite")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="not a loadable TFLite model"):
        interpreter.TFLiteModel(bad)


@pytest.mark.model
def test_real_model_tensors_are_cached(model_paths: dict[str, Path]) -> None:
    m = interpreter.TFLiteModel(model_paths["pose_landmark_full"], num_threads=1)
    assert m.input_shape == (1, 256, 256, 3)
    assert sorted(m.output_shapes.values()) == sorted(
        [(1, 195), (1, 1), (1, 256, 256, 1), (1, 64, 64, 39), (1, 117)]
    )
    m.set_input(np.zeros(m.input_shape, np.float32))
    m.invoke()
    flag = m.output(next(n for n, s in m.output_shapes.items() if s == (1, 1)))
    assert flag.shape == (1, 1) and np.isfinite(flag).all()
