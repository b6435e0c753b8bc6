"""Cadence from the body's once-per-step bounce (autocorrelation of the hips' height), and a
sinusoid's peak-to-peak size at a known period: the cross-check and fallback for cadence."""

from __future__ import annotations

import math

import numpy as np

from edge.gait.metrics import F64


def peak_to_peak_fit(t: F64, y: F64, period: float) -> float | None:
    """Peak-to-peak of ``y`` by a least-squares sinusoid at ``period`` (robust to noise)."""
    ok = np.isfinite(y)
    if ok.sum() < 5:
        return None
    t, y = t[ok], y[ok]
    w = 2.0 * math.pi / period
    a = np.stack([np.cos(w * t), np.sin(w * t), np.ones_like(t)], axis=1)
    ata = a.T @ a
    if abs(float(np.linalg.det(ata))) < 1e-12:
        return None
    sol = np.linalg.solve(ata, a.T @ y)
    return 2.0 * math.hypot(float(sol[0]), float(sol[1]))


def _ac_peak(yy: F64, lag_lo: int, lag_hi: int, dt: float) -> tuple[float, float] | None:
    """(lag in s, normalized height) of the highest autocorrelation peak in a lag range."""
    n = yy.shape[0]
    lag_hi = min(lag_hi, n // 2)
    if lag_hi - lag_lo < 2 or lag_lo < 1:
        return None
    var = float(np.dot(yy, yy)) / n
    if var <= 0:
        return None
    ac = np.array(
        [float(np.dot(yy[:-lag], yy[lag:])) / (n - lag) for lag in range(lag_lo, lag_hi + 1)]
    )
    i = int(np.argmax(ac))
    if i == 0 or i == ac.shape[0] - 1:
        return None
    y0, y1, y2 = ac[i - 1], ac[i], ac[i + 1]
    den = y0 - 2 * y1 + y2
    frac = 0.5 * (y0 - y2) / den if den < 0 else 0.0
    return (lag_lo + i + frac) * dt, float(ac[i]) / var


def periodicity_cadence(
    t: F64, y: F64, lo_spm: float = 120.0, hi_spm: float = 240.0
) -> float | None:
    """Cadence (steps/min) from the autocorrelation of the hips' height.

    The hips bounce once per step. When that peak is missing but the signal repeats once
    per stride (an oblique camera, an asymmetric runner), the stride period is used.
    """
    ok = np.isfinite(y)
    if ok.sum() < 20 or t.shape[0] < 20:
        return None
    dt = float(np.median(np.diff(t)))
    if dt <= 0:
        return None
    tt = np.arange(t[0], t[-1], dt)
    yy = np.interp(tt, t[ok], y[ok])
    n = yy.shape[0]
    # remove slow drift with a one-second moving average
    k = max(3, round(1.0 / dt))
    if n <= 2 * k:
        return None
    trend = np.convolve(yy, np.ones(k) / k, mode="same")
    yy = (yy - trend)[k // 2 : n - k // 2]
    yy = yy - yy.mean()
    step_lo = max(1, math.floor(60.0 / hi_spm / dt))
    step_hi = math.ceil(60.0 / lo_spm / dt) + 1
    step = _ac_peak(yy, step_lo, step_hi, dt)
    if step is not None and step[1] >= 0.2:
        return 60.0 / step[0]
    stride = _ac_peak(yy, 2 * step_lo, 2 * step_hi, dt)
    if stride is not None and stride[1] >= 0.3:
        return 120.0 / stride[0]
    return None
