#!/usr/bin/python3
"""Retrain the built-in model's velocity U-Net to convergence, resumably, and export it.

The classifier, its reference statistics and the manifest stay as they are (the Frechet distances of the
old and the new model must be comparable), so this script trains and exports the flow network only:

    /usr/bin/python3 worker/src/main/python/train_flow.py --out worker/src/main/resources/models/fashion-mnist

It checkpoints to --work-dir every --checkpoint-every steps and at each epoch end; run the same command
again after a stop and it resumes from the last checkpoint (model, EMA, optimiser, data order, RNG).
After each epoch the EMA weights' flow-matching loss on 2,000 held-out test images (fixed noise and times,
so epochs compare) is recorded; training stops after --epochs, or earlier when that loss has not improved
by --min-improvement for --patience epochs. Same architecture and conventions as train_demo_model.py
(t = 0 noise, t = 1 data, x_t = (1 - t) x0 + t x1, v = x1 - x0, label 10 = null class).

Writes model.onnx, model.pt and reference-outputs.json to --out and the run's figures to
--work-dir/flow-metrics.json (loss curve, minutes, load averages), from which TRAINING.md is written.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_demo_model as tdm  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--work-dir", default="/var/tmp/flowline-flow")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--ema", type=float, default=0.9995)
    p.add_argument("--label-dropout", type=float, default=0.1)
    p.add_argument("--channels", default="32,64,64")
    p.add_argument("--checkpoint-every", type=int, default=100)
    p.add_argument("--patience", type=int, default=2)
    p.add_argument("--min-improvement", type=float, default=0.0005)
    p.add_argument("--export-only", action="store_true", help="export the last checkpoint's EMA weights")
    p.add_argument("--init-from", help="continue from exported weights (a model.pt of this architecture) with a fresh "
                                       "optimiser, when the checkpoint with the optimiser state is gone")
    p.add_argument("--start-epoch", type=int, default=0,
                   help="epochs the --init-from weights were trained for: epochs are numbered on from it and "
                        "--epochs counts the total")
    return p.parse_args()


@torch.no_grad()
def held_out_loss(model, xte, yte, n=2000):
    """Flow-matching loss with fixed noise, times and label drops: comparable across epochs."""
    g = torch.Generator().manual_seed(999)
    total = 0.0
    for i in range(0, n, 500):
        total += tdm.flow_matching_loss(model, xte[i:i + 500], yte[i:i + 500], g, 0.1).item() * 500
    return total / n


def save(path, state):
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a stop mid-write leaves the previous checkpoint intact


def export(ema, out):
    tdm.export_flow(ema, out)
    tdm.write_reference_outputs(ema, out)
    import onnx_numpy_check
    ts = torch.jit.load(str(out / "model.pt"))
    worst = {"torchscript": 0.0, "onnxNumpy": 0.0}
    for b in (1, 3, 5):
        g = torch.Generator().manual_seed(100 + b)
        x, t = torch.randn((b, 1, 28, 28), generator=g), torch.rand(b, generator=g)
        lab = torch.randint(0, tdm.NUM_CLASSES + 1, (b,), generator=g)
        with torch.no_grad():
            v = ema(x, t, lab)
            worst["torchscript"] = max(worst["torchscript"], (ts(x, t, lab) - v).abs().max().item())
        (v_onnx,) = onnx_numpy_check.run(str(out / "model.onnx"), {"x": x.numpy(), "t": t.numpy(), "label": lab.numpy()})
        worst["onnxNumpy"] = max(worst["onnxNumpy"], float(np.abs(v_onnx - v.numpy()).max()))
    assert worst["torchscript"] < 1e-4 and worst["onnxNumpy"] < 1e-3, worst
    tdm.log(f"export checks: {worst}")
    return worst


def main():
    args = parse_args()
    tdm.quiet_allocator()
    torch.set_num_threads(args.threads)
    out, work = Path(args.out), Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    ckpt = work / "flow-checkpoint.pt"
    chans = tuple(int(c) for c in args.channels.split(","))
    model, ema = tdm.FlowUNet(chans), tdm.FlowUNet(chans)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    xtr, ytr = tdm.load_split(args.data, "train")
    xte, yte = tdm.load_split(args.data, "t10k")
    steps_per_epoch = len(xtr) // args.batch
    total_steps = (args.epochs - args.start_epoch) * steps_per_epoch
    m = {"command": "/usr/bin/python3 worker/src/main/python/train_flow.py " + " ".join(sys.argv[1:]),
         "args": vars(args), "epochs": [], "seconds": 0.0, "loads": [], "stepsDone": 0, "stopped": None,
         "params": tdm.count_params(model)}
    step, perm = 0, torch.randperm(len(xtr), generator=g)
    if args.init_from and not ckpt.exists():
        # A traced module keeps the nn.Module's parameter names, so its state dict loads straight back.
        weights = torch.jit.load(args.init_from).state_dict()
        model.load_state_dict(weights); ema.load_state_dict(weights)
        m["initFrom"] = {"path": args.init_from, "startEpoch": args.start_epoch,
                         "heldOutLoss": held_out_loss(ema, xte, yte)}
        tdm.log(f"initialised from {args.init_from}: held-out loss {m['initFrom']['heldOutLoss']:.4f}")
    if ckpt.exists():
        s = torch.load(ckpt)
        model.load_state_dict(s["model"]); ema.load_state_dict(s["ema"]); opt.load_state_dict(s["opt"])
        g.set_state(s["rng"]); perm, step, m = s["perm"], s["step"], s["metrics"]
        # A resume may change --epochs (the cosine schedule then follows the new total from here on): record it.
        m.setdefault("resumes", []).append({"step": step, "epochs": args.epochs, "minutesSoFar": m["seconds"] / 60})
        m["args"] = vars(args)
        tdm.log(f"resumed at step {step} ({m['seconds'] / 60:.1f} min trained so far), training to {args.epochs} epochs")

    def checkpoint():
        save(ckpt, {"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                    "rng": g.get_state(), "perm": perm, "step": step, "metrics": m})

    t_last = time.time()
    while not args.export_only and step < total_steps and m["stopped"] is None:
        pos = (step % steps_per_epoch) * args.batch
        idx = perm[pos:pos + args.batch]
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            lr = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / total_steps)))
        for group in opt.param_groups:
            group["lr"] = lr
        model.train()
        loss = tdm.flow_matching_loss(model, xtr[idx], ytr[idx], g, args.label_dropout)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tdm.ema_update(ema, model, min(args.ema, (1 + step) / (10 + step)))
        step += 1
        now = time.time()
        m["seconds"] += now - t_last
        t_last = now
        m["stepsDone"] = step
        if step % 50 == 0:
            m["loads"].append(os.getloadavg()[0])
            tdm.log(f"step {step}/{total_steps} loss {loss.item():.4f} lr {lr:.2e} "
                    f"{m['seconds'] / step:.3f} s/step load {m['loads'][-1]:.1f}")
        if step % steps_per_epoch == 0:
            epoch = args.start_epoch + step // steps_per_epoch
            ho = held_out_loss(ema, xte, yte)
            m["epochs"].append({"epoch": epoch, "step": step, "heldOutLoss": ho, "trainLoss": loss.item(),
                                "minutes": m["seconds"] / 60})
            tdm.log(f"epoch {epoch}: held-out EMA loss {ho:.4f}")
            best = min(e["heldOutLoss"] for e in m["epochs"][:-1]) if len(m["epochs"]) > 1 else float("inf")
            if len(m["epochs"]) > args.patience and all(
                    e["heldOutLoss"] > best - args.min_improvement for e in m["epochs"][-args.patience:]):
                m["stopped"] = f"held-out loss did not improve by {args.min_improvement} for {args.patience} epochs"
            perm = torch.randperm(len(xtr), generator=g)
            checkpoint()
            torch.save({"ema": ema.state_dict(), "epoch": epoch}, work / f"flow-ema-epoch{epoch}.pt")
        elif step % args.checkpoint_every == 0:
            checkpoint()
    checkpoint()
    ema.eval()
    out.mkdir(parents=True, exist_ok=True)
    m["exportChecks"] = export(ema, out)
    m["finalHeldOutLoss"] = held_out_loss(ema, xte, yte)
    (work / "flow-metrics.json").write_text(json.dumps(m, indent=2))
    tdm.log(f"done: {step} steps, {m['seconds'] / 60:.1f} min, held-out loss {m['finalHeldOutLoss']:.4f}")


if __name__ == "__main__":
    main()
