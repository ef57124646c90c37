#!/usr/bin/python3
"""Train Flowline's few-step flow-map model, fashion-mnist-flowmap, by distilling the built-in flow model.

    /usr/bin/python3 worker/src/main/python/train_flowmap.py \
        --teacher /var/tmp/flowline-flow/flow-checkpoint.pt \
        --out worker/src/main/resources/models/fashion-mnist-flowmap

A flow map predicts the average velocity u(x_t, t, r) = (x_r - x_t) / (r - t) along the teacher's ODE, so one
evaluation jumps from t to r: x_r = x_t + (r - t) u (Flowline's `flowmap` solver; t = 0 noise, t = 1 data).
u(x, t, t) is the instantaneous velocity. Training target (a flow-map distillation, as in consistency / shortcut
models but with the teacher's trajectories as ground truth rather than self-consistency, which converges in far
fewer steps on 2 CPU cores):

  1. Teacher trajectories: --pairs seeded noises x0 and labels, integrated by the teacher with classifier-free
     guidance baked in (w = --guidance, v = v_null + w (v_c - v_null)) with midpoint on a uniform 4-step grid
     (8 evaluations, within a few per cent of the dopri5 reference's FD); the states at t = 0, 1/4, ..., 1 are kept
     (saved in chunks under --work-dir, resumable).
  2. Student: the teacher's U-Net plus an embedding of the jump r - t (sinusoidal, MLP, last layer zero-initialised
     so the student starts as the teacher: u(x, t, r) = v(x, t)). Loss: squared error of the jump's endpoint,
     x_t + (r - t) u(x_t, t, r) against the teacher's x_r, for pairs (t, r) of grid times: half of them the
     jumps the 1-, 2- and 4-step uniform samplers make (weighted to the 1-step jump, the hardest), half any pair.
  3. Export: model.onnx (inputs x, t, r, label; output u) and model.pt (TorchScript, positional x, t, r, label),
     the manifest (inputs.r, solver flowmap by default, no null class: guidance is baked in) and reference
     outputs for the Java engines.

Resumable: the trajectories and the student checkpoint live in --work-dir; run the same command again.
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_demo_model as tdm  # noqa: E402

GRID = 4  # teacher grid steps (midpoint): the student learns jumps between its points, which are the 1-, 2- and 4-step grids' points


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--teacher", default="/var/tmp/flowline-flow/flow-checkpoint.pt", help="train_flow.py checkpoint (its EMA weights)")
    p.add_argument("--out", required=True)
    p.add_argument("--work-dir", default="/var/tmp/flowline-flowmap")
    p.add_argument("--pairs", type=int, default=6000, help="teacher trajectories (the last 500 are held out)")
    p.add_argument("--guidance", type=float, default=2.0)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=48)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--seed", type=int, default=31)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels", default="32,64,64")
    return p.parse_args()


class FlowMapUNet(tdm.FlowUNet):
    """The flow U-Net with the jump r - t as a second embedded input: u(x, t, r, label)."""

    def __init__(self, channels, emb_dim=128, time_dim=64):
        super().__init__(channels, emb_dim, time_dim)
        self.jump_mlp = nn.Sequential(nn.Linear(time_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        nn.init.zeros_(self.jump_mlp[-1].weight)
        nn.init.zeros_(self.jump_mlp[-1].bias)

    def forward(self, x, t, r, label):
        emb = self.time_mlp(self.sinusoidal(t)) + self.jump_mlp(self.sinusoidal(r - t)) + self.label_emb(label)
        return self.trunk(x, F.silu(emb))


@torch.no_grad()
def teacher_trajectories(teacher, x0, labels, w):
    """Midpoint on the uniform GRID-step grid, guided; returns [B, GRID + 1, 1, 28, 28]."""
    def v(x, t):
        tt = torch.full((x.shape[0],), t)
        both = teacher(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([labels, torch.full_like(labels, tdm.NULL_CLASS)]))
        vc, vu = both.chunk(2)
        return vu + w * (vc - vu)
    xs, x, h = [x0], x0, 1.0 / GRID
    for i in range(GRID):
        t = i * h
        x = x + h * v(x + 0.5 * h * v(x, t), t + 0.5 * h)
        xs.append(x)
    return torch.stack(xs, dim=1)


# The 1-, 2- and 4-step uniform jumps; the 1-step jump twice, as it is the hardest.
SERVED = [(0, 4), (0, 4), (0, 2), (2, 4), (0, 1), (1, 2), (2, 3), (3, 4)]


def main():
    args = parse_args()
    tdm.quiet_allocator()
    torch.set_num_threads(args.threads)
    work, out = Path(args.work_dir), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    chans = tuple(int(c) for c in args.channels.split(","))
    teacher = tdm.FlowUNet(chans)
    teacher.load_state_dict(torch.load(args.teacher)["ema"])
    teacher.eval().requires_grad_(False)
    m = {"command": "/usr/bin/python3 worker/src/main/python/train_flowmap.py " + " ".join(sys.argv[1:]),
         "args": vars(args), "seconds": {"teacher": 0.0, "student": 0.0}, "loads": [], "curve": []}

    # 1. Teacher trajectories, in resumable chunks.
    chunk = 250
    g = torch.Generator().manual_seed(args.seed)
    x0_all = torch.randn((args.pairs, 1, 28, 28), generator=g)
    labels_all = torch.arange(args.pairs) % 10
    parts = []
    for c in range(0, args.pairs, chunk):
        f = work / f"traj-{c:06d}.pt"
        if not f.exists():
            t0 = time.time()
            traj = teacher_trajectories(teacher, x0_all[c:c + chunk], labels_all[c:c + chunk], args.guidance)
            torch.save(traj.half(), f)  # half precision halves the disk and memory; errors ~1e-3, below the model's
            tdm.log(f"teacher trajectories {c + chunk}/{args.pairs}: {time.time() - t0:.0f} s")
            m["seconds"]["teacher"] += time.time() - t0
        parts.append(torch.load(f))
    traj = torch.cat(parts).float()
    tdm.log(f"trajectories: {tuple(traj.shape)}")

    # 2. Student.
    student, ema = FlowMapUNet(chans), FlowMapUNet(chans)
    missing = student.load_state_dict(teacher.state_dict(), strict=False)
    assert set(missing.missing_keys) == {k for k in student.state_dict() if k.startswith("jump_mlp")}, missing
    ema.load_state_dict(student.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.0)
    ckpt = work / "student.pt"
    step = 0
    held = torch.arange(args.pairs - 500, args.pairs)  # last 500 trajectories: held out
    train_n = args.pairs - 500
    gs = torch.Generator().manual_seed(args.seed + 1)
    if ckpt.exists():
        s = torch.load(ckpt)
        student.load_state_dict(s["student"]); ema.load_state_dict(s["ema"]); opt.load_state_dict(s["opt"])
        gs.set_state(s["rng"]); step = s["step"]; m = s["metrics"]
        tdm.log(f"resumed student at step {step}")

    def jumps(n, generator):
        served = torch.tensor(SERVED)[torch.randint(0, len(SERVED), (n,), generator=generator)]
        i = torch.randint(0, GRID, (n,), generator=generator)
        j = i + 1 + (torch.rand(n, generator=generator) * (GRID - i)).long().clamp(max=GRID - i - 1)
        anyp = torch.stack([i, j], 1)
        pick = torch.rand(n, generator=generator) < 0.5
        return torch.where(pick[:, None], served, anyp)

    def loss_of(model, idx, ij):
        i, j = ij[:, 0], ij[:, 1]
        xi = traj[idx, i]
        xj = traj[idx, j]
        t, r = i.float() / GRID, j.float() / GRID
        u = model(xi, t, r, labels_all[idx])
        pred = xi + (r - t)[:, None, None, None] * u
        return F.mse_loss(pred, xj)

    @torch.no_grad()
    def held_out():
        res = {}
        for name, (i, j) in (("1-step", (0, 4)), ("2-step first", (0, 2)), ("4-step last", (3, 4))):
            ij = torch.tensor([[i, j]]).repeat(len(held), 1)
            res[name] = float(loss_of(ema, held, ij))
        return res

    t_last = time.time()
    if step == 0:
        m["heldOutAtStart"] = held_out()
        tdm.log(f"held-out endpoint MSE at start (student = teacher's velocity): {m['heldOutAtStart']}")
    while step < args.steps:
        lr = args.lr * min(1.0, (step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / args.steps)))
        for group in opt.param_groups:
            group["lr"] = lr
        idx = torch.randint(0, train_n, (args.batch,), generator=gs)
        loss = loss_of(student, idx, jumps(args.batch, gs))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        tdm.ema_update(ema, student, min(args.ema, (1 + step) / (10 + step)))
        step += 1
        now = time.time()
        m["seconds"]["student"] += now - t_last
        t_last = now
        if step % 50 == 0:
            m["loads"].append(os.getloadavg()[0])
            m["curve"].append([step, float(loss)])
            tdm.log(f"student step {step}/{args.steps} loss {loss.item():.5f} lr {lr:.2e} {m['seconds']['student'] / step:.3f} s/step")
        if step % 250 == 0 or step == args.steps:
            torch.save({"student": student.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                        "rng": gs.get_state(), "step": step, "metrics": m}, ckpt.with_suffix(".tmp"))
            os.replace(ckpt.with_suffix(".tmp"), ckpt)
    m["heldOut"] = held_out()
    m["params"] = tdm.count_params(ema)
    tdm.log(f"held-out endpoint MSE after training: {m['heldOut']}")

    # 3. Export.
    ema.eval()
    out.mkdir(parents=True, exist_ok=True)
    export(ema, out)
    write_manifest(out, args)
    (work / "flowmap-metrics.json").write_text(json.dumps(m, indent=2))
    tdm.log(f"done: {step} steps; teacher {m['seconds']['teacher'] / 60:.1f} min, student {m['seconds']['student'] / 60:.1f} min")


def export(ema, out):
    import onnx
    import onnx_numpy_check
    ex = (torch.randn(2, 1, 28, 28), torch.tensor([0.0, 0.5]), torch.tensor([0.5, 1.0]), torch.tensor([3, 7]))
    dyn = {k: {0: "batch"} for k in ("x", "t", "r", "label", "u")}
    torch.onnx.export(ema, ex, str(out / "model.onnx"), opset_version=17, input_names=["x", "t", "r", "label"],
                      output_names=["u"], dynamic_axes=dyn, do_constant_folding=True)
    proto = onnx.load(str(out / "model.onnx"))
    for dim, size in zip(proto.graph.output[0].type.tensor_type.shape.dim[1:], (1, 28, 28)):
        dim.ClearField("dim_param")
        dim.dim_value = size
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(out / "model.onnx"))
    torch.jit.trace(ema, ex).save(str(out / "model.pt"))
    ts = torch.jit.load(str(out / "model.pt"))
    for b in (1, 3):
        g = torch.Generator().manual_seed(b)
        x, t = torch.randn((b, 1, 28, 28), generator=g), torch.rand(b, generator=g) * 0.5
        r, lab = t + 0.5, torch.randint(0, 10, (b,), generator=g)
        with torch.no_grad():
            u = ema(x, t, r, lab)
            d_ts = (ts(x, t, r, lab) - u).abs().max().item()
        (u_onnx,) = onnx_numpy_check.run(str(out / "model.onnx"), {"x": x.numpy(), "t": t.numpy(), "r": r.numpy(), "label": lab.numpy()})
        d_onnx = float(np.abs(u_onnx - u.numpy()).max())
        tdm.log(f"export check batch {b}: |torchscript-eager| {d_ts:.2e}, |onnx(numpy)-eager| {d_onnx:.2e}")
        assert d_ts < 1e-4 and d_onnx < 1e-3
    torch.manual_seed(0)
    x = torch.randn(3, 1, 28, 28)
    t, r, lab = torch.tensor([0.0, 0.25, 0.5]), torch.tensor([1.0, 0.5, 0.75]), torch.tensor([0, 7, 9])
    with torch.no_grad():
        u = ema(x, t, r, lab)
    doc = {"description": "Average velocity of the exported flow map for a fixed input (x = torch.manual_seed(0); randn(3,1,28,28)).",
           "input": {"shape": [3, 1, 28, 28], "x": [[float(a) for a in row.flatten()] for row in x],
                     "t": [float(a) for a in t], "r": [float(a) for a in r], "label": [int(a) for a in lab]},
           "output": {"name": "u", "shape": [3, 1, 28, 28],
                      "rows": [{"first16": [float(a) for a in row.flatten()[:16]], "sum": float(row.double().sum()),
                                "l2": float(row.double().norm())} for row in u]},
           "tolerance": {"abs": 1e-4}}
    (out / "reference-outputs.json").write_text(json.dumps(doc) + "\n")


def write_manifest(out, args):
    manifest = {
        "name": "fashion-mnist-flowmap",
        "version": "1",
        "description": f"Few-step flow map u(x, t, r) distilled from the fashion-mnist flow model with guidance w = {args.guidance:g} "
                       "baked in (no null class: jobs ask for no guidance); solver flowmap at 1, 2 or 4 steps",
        "engine": "OnnxRuntime",
        "file": "model.onnx",
        "alternatives": {"PyTorch": "model.pt"},
        "inputs": {"x": "x", "t": "t", "r": "r", "label": "label"},
        "output": "u",
        "labelType": "int64",
        "sampleShape": [1, 28, 28],
        "valueRange": [-1.0, 1.0],
        "image": {"channels": 1, "height": 28, "width": 28},
        "time": {"direction": "noise_to_data", "scale": 1.0},
        "conditioning": {"type": "class", "numClasses": 10, "classNames": tdm.CLASS_NAMES},
        "defaultSampler": {"solver": "flowmap", "steps": 2, "guidanceScale": 1.0},
        "batchSizeHint": 32,
    }
    (out / "flowline-model.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
