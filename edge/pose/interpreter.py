"""Loading a TFLite model: LiteRT first, tflite-runtime as the fallback.

The interpreter is built once per model, with XNNPACK (the default CPU delegate of both
runtimes) and a configurable thread count; tensor indices are looked up once and cached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from edge.errors import ModelError
from edge.media.native_stderr import native_stderr


class _Interpreter(Protocol):
    def allocate_tensors(self) -> None: ...
    def get_input_details(self) -> list[dict[str, Any]]: ...
    def get_output_details(self) -> list[dict[str, Any]]: ...
    def set_tensor(self, index: int, value: npt.NDArray[Any]) -> None: ...
    def get_tensor(self, index: int) -> npt.NDArray[Any]: ...
    def invoke(self) -> None: ...
    def tensor(self, index: int) -> Any: ...


def _interpreter_class() -> tuple[type[Any], str]:
    try:
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter, "ai-edge-litert"
    except ImportError:
        pass
    try:
        from tflite_runtime.interpreter import Interpreter

        return Interpreter, "tflite-runtime"
    except ImportError:
        raise ModelError(
            "no TFLite runtime found: install ai-edge-litert (pip install ai-edge-litert) "
            "or, on Raspberry Pi OS, tflite-runtime"
        ) from None


class TFLiteModel:
    """One model, its interpreter and its cached tensor indices.

    ``inputs`` and ``outputs`` map tensor names to indices. :meth:`input_view` returns a
    numpy view of the input tensor so callers can write the frame into it without a copy.
    """

    def __init__(self, path: Path | bytes, num_threads: int = 2) -> None:
        cls, self.runtime = _interpreter_class()
        if isinstance(path, bytes):
            source: dict[str, Any] = {"model_content": path}
            path = Path("<in memory>")
        elif not path.is_file():
            raise ModelError(f"model file {path} is missing: run `treadwatch models fetch`")
        else:
            source = {"model_path": str(path)}
        try:
            # LiteRT announces its XNNPACK delegate on fd 2; real errors still show
            with native_stderr():
                self._it: _Interpreter = cls(**source, num_threads=num_threads)
                self._it.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(
                f"{path} is not a loadable TFLite model ({exc}): delete it and run "
                "`treadwatch models fetch` again"
            ) from None
        self.path = path
        ins = self._it.get_input_details()
        outs = self._it.get_output_details()
        self.input_index: int = int(ins[0]["index"])
        self.input_shape: tuple[int, ...] = tuple(int(v) for v in ins[0]["shape"])
        self.outputs: dict[str, int] = {str(d["name"]): int(d["index"]) for d in outs}
        self.output_shapes: dict[str, tuple[int, ...]] = {
            str(d["name"]): tuple(int(v) for v in d["shape"]) for d in outs
        }

    def input_view(self) -> npt.NDArray[np.float32]:
        """A writable view of the input tensor (valid until the next invoke)."""
        view: npt.NDArray[np.float32] = self._it.tensor(self.input_index)()
        return view

    def set_input(self, value: npt.NDArray[np.float32]) -> None:
        self._it.set_tensor(self.input_index, value)

    def invoke(self) -> None:
        self._it.invoke()

    def output(self, name: str) -> npt.NDArray[np.float32]:
        """A copy of an output tensor (safe to keep across invokes)."""
        out: npt.NDArray[np.float32] = self._it.get_tensor(self.outputs[name])
        return out
