"""Quantization-aware fine-tuning of the landmark model by distillation from the float one.

The student is :class:`~models.train.rebuild.TfliteGraph` with fake quantization (the
all-int8 form), initialised from the float weights and the calibrated activation ranges.
The teacher is the float model itself (LiteRT, the trimmed float32 flatbuffer) on the same
crop, so no labels are needed. The loss is on what the engine reads:

- the 35 landmarks it uses (33 body + 2 alignment points): x, y (Huber, in crop widths;
  ``--leg-weight`` for the legs), z (a fifth of the weight), visibility and presence (as
  probabilities);
- the heatmap refinement: the confidence-weighted mean position in the 7×7 window around
  the teacher's landmark, computed from the student's heatmap, against the teacher's;
- the pose-presence flag.

Validation: the engine's crops of the held-out frames (no jitter), decoded as the engine
decodes them (heatmap refinement included), error in the teacher's torso lengths: median
and p95 over the 33 body landmarks (docs/int8.md measures crop-level error the same way).

Run (the committed model's command line is in docs/int8.md)::

    python -m models.train.distill --data-list models/train/data_list.json \\
        --videos ../shared/data/videos --float-model FETCHED_FLOAT_MODEL --out /tmp/qat
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from edge.atomic import atomic_path
from edge.landmarks import Landmark
from models.train.crops import (
    FLAG_OUT,
    HEATMAP_MIN_CONFIDENCE,
    HEATMAP_OUT,
    INPUT_SIZE,
    LANDMARKS_OUT,
    NUM_BODY,
    NUM_USED,
    Teacher,
    engine_xy,
    model_input,
    torso_error,
)
from models.train.data import Jitter, load_data_list, make_crops, photometric
from models.train.export import float32_trimmed
from models.train.rebuild import TfliteGraph

SEED = 20261205
HEATMAP_HALF = 3


def landmark_weights(legs: float) -> torch.Tensor:
    """Loss weight of each of the 35 landmarks: the legs (hips to feet) ``legs``, others 1."""
    return torch.tensor(
        [legs if Landmark.LEFT_HIP <= i < NUM_BODY else 1.0 for i in range(NUM_USED)]
    )


def window_indices(xy: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows and columns (N, L, 7) of the 7×7 window around each point (normalized xy), as
    the engine takes it (truncated, clamped to the map)."""
    offsets = torch.arange(-HEATMAP_HALF, HEATMAP_HALF + 1)
    col = torch.trunc(xy[..., 0] * size).long().clamp(0, size - 1)
    row = torch.trunc(xy[..., 1] * size).long().clamp(0, size - 1)
    return row[..., None] + offsets, col[..., None] + offsets


def refined_xy(
    heatmap: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Confidence-weighted mean position (normalized) in each window, and the window's peak
    confidence. ``heatmap`` (N, H, W, C) logits; cells outside the map count 0."""
    n, size, _, _ = heatmap.shape
    lm = rows.shape[1]
    inside_r = (rows >= 0) & (rows < size)
    inside_c = (cols >= 0) & (cols < size)
    r = rows.clamp(0, size - 1)[:, :, :, None].expand(n, lm, 7, 7)
    c = cols.clamp(0, size - 1)[:, :, None, :].expand(n, lm, 7, 7)
    b = torch.arange(n)[:, None, None, None].expand(n, lm, 7, 7)
    ch = torch.arange(lm)[None, :, None, None].expand(n, lm, 7, 7)
    conf = torch.sigmoid(heatmap[b, r, c, ch])
    conf = conf * (inside_r[:, :, :, None] & inside_c[:, :, None, :])
    total = conf.sum((2, 3)).clamp_min(1e-6)
    x = (conf * cols[:, :, None, :]).sum((2, 3)) / total / size
    y = (conf * rows[:, :, :, None]).sum((2, 3)) / total / size
    return torch.stack([x, y], -1), conf.amax((2, 3))


def distillation_loss(
    student: dict[str, torch.Tensor],
    teacher: dict[str, torch.Tensor],
    weights: torch.Tensor,
    delta: float,
) -> tuple[torch.Tensor, dict[str, float]]:
    s = student[LANDMARKS_OUT].reshape(-1, 39, 5)[:, :NUM_USED]
    t = teacher[LANDMARKS_OUT].reshape(-1, 39, 5)[:, :NUM_USED]
    # Huber (squared up to ``delta`` crop widths, then linear): a squared error let the few
    # crops where a foot jumps to the other leg dominate every batch and made validation
    # worse. ``weights``: per landmark (the legs, which the gait report reads, may count more).
    per_point = F.huber_loss(
        s[..., :2] / INPUT_SIZE, t[..., :2] / INPUT_SIZE, delta=delta, reduction="none"
    ).sum(-1)
    xy = (per_point * weights).mean() / 2
    z = F.huber_loss(s[..., 2] / INPUT_SIZE, t[..., 2] / INPUT_SIZE, delta=0.01)
    vis = F.l1_loss(torch.sigmoid(s[..., 3:5]), torch.sigmoid(t[..., 3:5]))
    flag = F.l1_loss(student[FLAG_OUT], teacher[FLAG_OUT])
    t_xy = t[..., :2] / INPUT_SIZE
    hm_s = student[HEATMAP_OUT][..., :NUM_USED]
    hm_t = teacher[HEATMAP_OUT][..., :NUM_USED]
    rows, cols = window_indices(t_xy, hm_t.shape[1])
    ref_s, _ = refined_xy(hm_s, rows, cols)
    with torch.no_grad():
        ref_t, peak_t = refined_xy(hm_t, rows, cols)
        used = (peak_t >= HEATMAP_MIN_CONFIDENCE).float()
    refine = (F.huber_loss(ref_s, ref_t, delta=delta, reduction="none").sum(-1) * used).sum() / (
        used.sum().clamp_min(1.0)
    )
    heat = F.mse_loss(torch.sigmoid(hm_s), torch.sigmoid(hm_t)) * 10.0
    total = 100.0 * (xy + 0.2 * z + refine) + 0.5 * vis + flag + heat
    named = {"xy": xy, "z": z, "refine": refine, "vis": vis, "flag": flag, "heat": heat}
    parts = {k: float(v.detach()) for k, v in named.items()}
    return total, parts


def run_student(net: TfliteGraph, x: np.ndarray[Any, Any], batch: int = 16) -> dict[str, Any]:
    outs: dict[str, list[np.ndarray[Any, Any]]] = {}
    net.eval()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            o = net(torch.from_numpy(x[i : i + batch]).permute(0, 3, 1, 2))
            for k, v in o.items():
                outs.setdefault(k, []).append(v.numpy())
    return {k: np.concatenate(v) for k, v in outs.items()}


def initial_ranges(path: Path) -> dict[str, tuple[float, float]]:
    """Activation ranges to start from (``models/train/initial_ranges.json``)."""
    raw = json.loads(path.read_text(encoding="utf-8"))["ranges"]
    return {name: (float(lo), float(hi)) for name, (lo, hi) in raw.items()}


def save_checkpoint(net: TfliteGraph, path: Path, info: dict[str, Any]) -> None:
    """Weights (on their int8 grid) by tensor index, activation ranges by tensor name."""
    weights = net.quantized_weights()
    with atomic_path(path.with_suffix(".npz"), suffix=".npz") as tmp:
        np.savez(tmp, **{f"t{i}": w for i, w in weights.items()})  # type: ignore[arg-type]
    meta = {"ranges": net.activation_ranges(), **info}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    torch.save(net.state_dict(), path.with_suffix(".pt"))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-list", type=Path, required=True)
    p.add_argument("--videos", type=Path, required=True)
    p.add_argument("--float-model", type=Path, required=True, help="pose_landmark_full.tflite")
    p.add_argument(
        "--ranges", type=Path, default=Path(__file__).with_name("initial_ranges.json"),
        help="activation ranges to start from (JSON)",
    )  # fmt: skip
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--minutes", type=float, default=40.0)
    p.add_argument("--variants", type=int, default=2, help="jittered crops per frame")
    p.add_argument("--every", type=int, default=2, help="use every n-th training frame")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-5)
    p.add_argument("--range-lr", type=float, default=1e-3)
    p.add_argument("--eval-every", type=int, default=40, help="steps between validations")
    p.add_argument("--max-steps", type=int, default=10**9, help="stop after this many steps")
    p.add_argument(
        "--save-at", type=lambda v: {int(x) for x in v.split(",")}, default=set(),
        help="also keep the checkpoints of these steps (comma-separated)",
    )  # fmt: skip
    p.add_argument("--leg-weight", type=float, default=1.0, help="loss weight of the legs")
    p.add_argument("--delta", type=float, default=0.01, help="Huber delta, crop widths")
    p.add_argument(
        "--decay", action="store_true", help="decay the learning rates linearly over --minutes"
    )
    p.add_argument("--val-every", type=int, default=4, help="use every n-th validation frame")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    logf = (args.out / "train.log").open("a", encoding="utf-8")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    t0 = time.monotonic()
    float_model = float32_trimmed(args.float_model.read_bytes())
    teacher = Teacher(float_model)
    frames = load_data_list(args.data_list)
    train = [f for f in frames if not f.held_out][:: args.every]
    val = [f for f in frames if f.validation][:: args.val_every]
    jitter = Jitter()
    train_crops = np.stack(
        [c for _, c in make_crops(train, args.videos, args.variants, args.seed, jitter)]
    )
    val_crops = np.stack([c for _, c in make_crops(val, args.videos, 0, args.seed)])
    log(
        f"data: {len(train)} training frames -> {len(train_crops)} crops; "
        f"{len(val_crops)} validation crops ({time.monotonic() - t0:.0f} s)"
    )
    val_x = model_input(val_crops)
    val_ref = engine_xy(teacher(val_x))

    net = TfliteGraph(float_model)
    net.enable_fake_quant(initial_ranges(args.ranges))
    net = net.to(memory_format=torch.channels_last)

    legs = [int(lm) for lm in Landmark if lm >= Landmark.LEFT_HIP]

    def validate() -> tuple[float, float]:
        err = torso_error(val_ref, engine_xy(run_student(net, val_x)))
        log(
            f"  legs (hips to feet): median {np.median(err[:, legs]):.4f} "
            f"p95 {np.percentile(err[:, legs], 95):.4f}"
        )
        return float(np.median(err)), float(np.percentile(err, 95))

    med, p95 = validate()
    log(f"step 0: validation (fake-quant, before training) median {med:.4f} p95 {p95:.4f}")
    best = p95
    save_checkpoint(net, args.out / "best", {"step": 0, "median": med, "p95": p95})
    opt = torch.optim.Adam(
        [
            {"params": list(net.weights.values()) + list(net.biases.values()), "lr": args.lr},
            {
                "params": [q for q in net.ranges.parameters() if q.requires_grad],
                "lr": args.range_lr,
            },
        ]
    )
    rng = np.random.default_rng(args.seed)
    deadline = t0 + args.minutes * 60
    step = 0
    last_ckpt = time.monotonic()
    weights = landmark_weights(args.leg_weight)
    while time.monotonic() < deadline and step < args.max_steps:
        net.train()
        # With --decay: linearly to a tenth of the learning rates over the time budget.
        frac = (
            1.0 if not args.decay else (max(0.1, 1.0 - (time.monotonic() - t0) / (deadline - t0)))
        )
        for group, base in zip(opt.param_groups, (args.lr, args.range_lr), strict=True):
            group["lr"] = base * frac
        idx = rng.choice(len(train_crops), args.batch, replace=False)
        crops = np.stack(
            [
                photometric(train_crops[i], rng, jitter) if rng.random() < 0.5 else train_crops[i]
                for i in idx
            ]
        )
        x = model_input(crops)
        with torch.no_grad():
            t_out = {k: torch.from_numpy(v) for k, v in teacher(x).items()}
        s_out = net(torch.from_numpy(x).permute(0, 3, 1, 2))
        loss, parts = distillation_loss(s_out, t_out, weights, args.delta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 10 == 0:
            log(
                f"step {step}: loss {float(loss.detach()):.4f} "
                + " ".join(f"{k} {v:.5f}" for k, v in parts.items())
            )
        if step % args.eval_every == 0:
            med, p95 = validate()
            log(
                f"step {step}: validation median {med:.4f} p95 {p95:.4f} "
                f"(best p95 {min(best, p95):.4f})"
            )
            if p95 < best:
                best = p95
                save_checkpoint(net, args.out / "best", {"step": step, "median": med, "p95": p95})
        if step in args.save_at:
            save_checkpoint(net, args.out / f"step{step}", {"step": step})
        if time.monotonic() - last_ckpt > 300:
            save_checkpoint(net, args.out / "last", {"step": step})
            last_ckpt = time.monotonic()
    med, p95 = validate()
    log(f"end at step {step}: validation median {med:.4f} p95 {p95:.4f}")
    if p95 < best:
        save_checkpoint(net, args.out / "best", {"step": step, "median": med, "p95": p95})
    save_checkpoint(net, args.out / "last", {"step": step})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
