#!/usr/bin/python3
"""Optimise Bespoke solvers (Shaul et al., ICLR 2024) for a Flowline model and write them into its manifest.

    /usr/bin/python3 worker/src/main/python/optimise_bespoke.py \
        --model-dir worker/src/main/resources/models/fashion-mnist --solvers midpoint:1,midpoint:2,midpoint:4,euler:4

A Bespoke solver keeps a base Runge-Kutta tableau and learns a transformation of the trajectory,
x_bar(r) = s_r * x(t_r), on which the base solver with n uniform steps in r is accurate *for this model*. The
transformed velocity is u_bar(r, x_bar) = (ds_r / s_r) x_bar + dt_r s_r v(x_bar / s_r, t_r); the answer is
x = x_bar(1) / s_1. The numbers are t, dt, s, ds at each evaluation point of the base solver (step-major,
stage-minor) plus s_1: exactly what Flowline's Java stepper (`BespokeStepper`) reads from the manifest's
`solvers` section, and nothing else (the stepper knows nothing of how they were found).

Parametrisation (keeps the manifest's constraints by construction): t at the solver's distinct r-points is a
normalised cumulative sum of softplus terms (0 at r = 0, increasing, 1 at r = 1); dt = softplus(.) > 0;
s = exp(.) > 0 with s_0 = 1; ds free. Initialised at the identity (t = r, dt = 1, s = 1, ds = 0), where the
solver is its base solver.

Loss: mean squared error of the solver's endpoint against ground-truth endpoints of the same seeded noises,
computed with RK4 on a fine uniform grid (--gt-steps), at the model's default guidance (v = v_null + w (v_c - v_null),
both rows in one forward as the worker batches them; label 10 = null class). Autograd runs through the model
(TorchScript model.pt). Held-out noises report the error of the base solver and of the bespoke one.

Writes: the manifest's `solvers.bespoke-<base>-<steps>` entries (only where the bespoke solver beats its base
solver on held-out noises) and --report (JSON: losses, errors, minutes).
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

TABLEAUS = {  # a (strictly lower), b, c — as ButcherTableau.java
    "euler": ([[0.0]], [1.0], [0.0]),
    "midpoint": ([[0.0, 0.0], [0.5, 0.0]], [0.0, 1.0], [0.0, 0.5]),
    "heun": ([[0.0, 0.0], [1.0, 0.0]], [0.5, 0.5], [0.0, 1.0]),
    "rk4": ([[0.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]],
            [1 / 6, 1 / 3, 1 / 3, 1 / 6], [0.0, 0.5, 0.5, 1.0]),
}
NULL_CLASS = 10


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--solvers", default="midpoint:1,midpoint:2,midpoint:4,euler:2,euler:4,euler:8")
    p.add_argument("--guidance", type=float, default=None, help="default: the manifest's defaultSampler.guidanceScale")
    p.add_argument("--train-samples", type=int, default=192)
    p.add_argument("--test-samples", type=int, default=96)
    p.add_argument("--batch", type=int, default=24)
    p.add_argument("--iterations", type=int, default=150)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--gt-steps", type=int, default=48, help="RK4 steps of the ground truth")
    p.add_argument("--seed", type=int, default=77)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work-dir", default="/var/tmp/flowline-bespoke")
    p.add_argument("--report", default=None, help="JSON report (default: <work-dir>/bespoke-report.json)")
    p.add_argument("--dry-run", action="store_true", help="do not write the manifest")
    return p.parse_args()


class Field:
    """Guided velocity of the TorchScript model; one forward of 2B rows per evaluation."""

    def __init__(self, model, w):
        self.model, self.w = model, w

    def __call__(self, x, t, labels):
        b = x.shape[0]
        tt = torch.full((b,), float(t)) if not torch.is_tensor(t) or t.dim() == 0 else t
        if self.w == 1.0:
            return self.model(x, tt, labels)
        both = self.model(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([labels, torch.full_like(labels, NULL_CLASS)]))
        vc, vu = both.chunk(2)
        return vu + self.w * (vc - vu)


@torch.no_grad()
def ground_truth(field, x0, labels, steps):
    x = x0.clone()
    h = 1.0 / steps
    for i in range(steps):
        t = i * h
        k1 = field(x, t, labels)
        k2 = field(x + 0.5 * h * k1, t + 0.5 * h, labels)
        k3 = field(x + 0.5 * h * k2, t + 0.5 * h, labels)
        k4 = field(x + h * k3, t + h, labels)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x


class Bespoke(torch.nn.Module):
    """The learnable numbers of one bespoke solver; numbers() gives exactly what the manifest stores."""

    def __init__(self, base, steps):
        super().__init__()
        a, b, c = TABLEAUS[base]
        self.base, self.steps, self.a, self.b, self.c = base, steps, a, b, c
        h = 1.0 / steps
        self.r_eval = [k * h + ci * h for k in range(steps) for ci in c]
        knots = sorted(set([round(r, 12) for r in self.r_eval] + [1.0]))
        self.knots = knots
        self.knot_index = [knots.index(round(r, 12)) for r in self.r_eval]
        # softplus(raw) increments between knots, initialised to the uniform spacing (t = r).
        inc = torch.tensor([knots[0]] + [knots[i] - knots[i - 1] for i in range(1, len(knots))])
        inc = inc[1:] if knots[0] == 0.0 else inc
        self.t_raw = torch.nn.Parameter(inv_softplus(inc.clamp_min(1e-6)))
        n = len(self.r_eval)
        self.dt_raw = torch.nn.Parameter(inv_softplus(torch.ones(n)))
        self.log_s = torch.nn.Parameter(torch.zeros(n))  # log_s[0] is held at 0 (s_0 = 1)
        self.ds = torch.nn.Parameter(torch.zeros(n))
        self.log_s_final = torch.nn.Parameter(torch.zeros(()))

    def numbers(self):
        inc = F.softplus(self.t_raw)
        t_knots = torch.cat([torch.zeros(1), torch.cumsum(inc, 0) / inc.sum()])  # knots[0] = 0 ... knots[-1] = 1
        t = t_knots[self.knot_index]
        mask = torch.ones_like(self.log_s)
        mask[0] = 0.0
        s = torch.exp(self.log_s * mask)
        return t, F.softplus(self.dt_raw), s, self.ds, torch.exp(self.log_s_final)

    def solve(self, field, x0, labels):
        t, dt, s, ds, s_final = self.numbers()
        h = 1.0 / self.steps
        stages = len(self.c)
        xbar = s[0] * x0
        for k in range(self.steps):
            ks = []
            for i in range(stages):
                e = k * stages + i
                ybar = xbar
                for j in range(i):
                    if self.a[i][j] != 0.0:
                        ybar = ybar + h * self.a[i][j] * ks[j]
                v = field(ybar / s[e], t[e].expand(x0.shape[0]), labels)
                ks.append((ds[e] / s[e]) * ybar + (dt[e] * s[e]) * v)
            for i in range(stages):
                if self.b[i] != 0.0:
                    xbar = xbar + h * self.b[i] * ks[i]
        return xbar / s_final

    def to_manifest(self):
        t, dt, s, ds, s_final = (z.detach().double() for z in self.numbers())
        return {"type": "bespoke", "base": self.base, "steps": self.steps,
                # float32 cumulative sums can land a hair outside [0, 1] (1.0000001); the manifest requires the range
                "t": [min(1.0, max(0.0, float(v))) for v in t], "dt": [float(v) for v in dt], "s": [float(v) for v in s],
                "ds": [float(v) for v in ds], "finalScale": float(s_final)}


def inv_softplus(y):
    return y + torch.log(-torch.expm1(-y))


def noises(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn((n, 1, 28, 28), generator=g), torch.arange(n) % 10


def rmse(a, b):
    return float(((a - b) ** 2).mean().sqrt())


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    model_dir = Path(args.model_dir)
    manifest_path = model_dir / "flowline-model.json"
    manifest = json.loads(manifest_path.read_text())
    w = args.guidance if args.guidance is not None else manifest["defaultSampler"].get("guidanceScale", 1.0)
    model = torch.jit.load(str(model_dir / "model.pt")).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    field = Field(model, w)
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.time()

    gt_file = work / f"gt-{args.seed}-{args.train_samples}-{args.test_samples}-{args.gt_steps}-w{w:g}.pt"
    x_tr, y_tr = noises(args.train_samples, args.seed)
    x_te, y_te = noises(args.test_samples, args.seed + 1)
    if gt_file.exists() and os.path.getmtime(gt_file) > os.path.getmtime(model_dir / "model.pt"):
        gt = torch.load(gt_file)
        log(f"ground truth reloaded from {gt_file}")
    else:
        t0 = time.time()
        gt = {"train": torch.cat([ground_truth(field, x_tr[i:i + 48], y_tr[i:i + 48], args.gt_steps) for i in range(0, len(x_tr), 48)]),
              "test": torch.cat([ground_truth(field, x_te[i:i + 48], y_te[i:i + 48], args.gt_steps) for i in range(0, len(x_te), 48)])}
        torch.save(gt, gt_file)
        log(f"ground truth: RK4 {args.gt_steps} steps, {len(x_tr) + len(x_te)} samples, {time.time() - t0:.0f} s")

    report = {"command": "/usr/bin/python3 worker/src/main/python/optimise_bespoke.py " + " ".join(sys.argv[1:]),
              "guidance": w, "groundTruth": f"RK4 {args.gt_steps} uniform steps", "solvers": {}}
    solvers = manifest.get("solvers", {})
    g = torch.Generator().manual_seed(args.seed + 2)
    for spec in args.solvers.split(","):
        base, steps = spec.split(":")
        steps = int(steps)
        name = f"bespoke-{base}-{steps}"
        t0 = time.time()
        bes = Bespoke(base, steps)
        with torch.no_grad():
            base_err = rmse(torch.cat([bes.solve(field, x_te[i:i + 48], y_te[i:i + 48]) for i in range(0, len(x_te), 48)]), gt["test"])
        opt = torch.optim.Adam(bes.parameters(), lr=args.lr)
        curve = []
        for it in range(args.iterations):
            idx = torch.randperm(len(x_tr), generator=g)[:args.batch]
            lr = args.lr * 0.5 * (1 + math.cos(math.pi * it / args.iterations))
            for group in opt.param_groups:
                group["lr"] = lr
            loss = ((bes.solve(field, x_tr[idx], y_tr[idx]) - gt["train"][idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            curve.append(float(loss))
            if it % 25 == 0 or it == args.iterations - 1:
                log(f"{name} it {it}: train mse {float(loss):.5f}")
        with torch.no_grad():
            err = rmse(torch.cat([bes.solve(field, x_te[i:i + 48], y_te[i:i + 48]) for i in range(0, len(x_te), 48)]), gt["test"])
        entry = bes.to_manifest()
        kept = err < base_err
        report["solvers"][name] = {"heldOutRmseBase": base_err, "heldOutRmseBespoke": err, "kept": kept,
                                   "seconds": time.time() - t0, "trainMse": curve[::5], "numbers": entry}
        log(f"{name}: held-out RMSE vs ground truth {base_err:.4f} (base {base}, uniform) -> {err:.4f} (bespoke), "
            f"{time.time() - t0:.0f} s; {'kept' if kept else 'NOT kept'}")
        if kept:
            entry["description"] = (f"Bespoke {base}, {steps} steps ({len(TABLEAUS[base][2]) * steps} NFE) at guidance {w:g}: "
                                    f"held-out endpoint RMSE {err:.4f} vs {base_err:.4f} for uniform {base}")
            solvers[name] = entry
    report["minutes"] = (time.time() - t_start) / 60
    report_path = Path(args.report) if args.report else work / "bespoke-report.json"
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    if not args.dry_run:
        manifest["solvers"] = dict(sorted(solvers.items()))
        tmp = manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, manifest_path)
        log(f"wrote {len(solvers)} solvers to {manifest_path}")
    log(f"done in {report['minutes']:.1f} min; report {report_path}")


if __name__ == "__main__":
    main()
