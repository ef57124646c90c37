"""Train and export Flowline's latent demo model: an autoencoder 28x28 -> 4x7x7 and a class-conditional
flow model in its latent space (issue 16).

Command (what produced the committed files; Debian's python3 with python3-torch 1.13 and python3-onnx):

    nohup /usr/bin/python3 worker/src/main/python/train_latent.py --threads 1 \
        --out worker/src/main/resources/models/fashion-mnist-latent > /var/tmp/flowline-latent/train.log 2>&1 &

Resumable: checkpoints live in --work-dir (/var/tmp/flowline-latent); a rerun skips the autoencoder when
ae.pt exists and continues the flow model from flow.pt (step count and minutes spent are in it).

Conventions as in train_demo_model.py: t = 0 noise, t = 1 data, x_t = (1 - t) x0 + t x1, v = x1 - x0,
label 10 = null class (label dropout for classifier-free guidance). The exported encoder divides by the
latent scale and the decoder multiplies by it, so the flow model and the worker see unit-variance latents.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_demo_model as demo  # noqa: E402  (helpers: data, ResBlock, quiet_allocator, log)

NUM_CLASSES, NULL_CLASS = 10, 10
LATENT = (4, 7, 7)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--work-dir", default="/var/tmp/flowline-latent")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ae-minutes", type=float, default=3.0)
    p.add_argument("--flow-minutes", type=float, default=5.0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--label-dropout", type=float, default=0.1)
    p.add_argument("--eval-per-class", type=int, default=20)
    p.add_argument("--eval-w", type=float, default=2.0)
    p.add_argument("--eval-steps", type=int, default=8)
    return p.parse_args()


class Encoder(nn.Module):
    """[B,1,28,28] in [-1,1] -> [B,4,7,7]; `scale` (a buffer) makes the exported latent unit-variance."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.SiLU(),
                                 nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.SiLU(),
                                 nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.SiLU(),
                                 nn.Conv2d(64, LATENT[0], 3, padding=1))
        self.register_buffer("scale", torch.ones(()))

    def forward(self, x):
        return self.net(x) / self.scale


class Decoder(nn.Module):
    """[B,4,7,7] (unit-variance latent) -> [B,1,28,28] in [-1,1]."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(LATENT[0], 64, 3, padding=1), nn.SiLU(),
                                 nn.Upsample(scale_factor=2.0, mode="nearest"),
                                 nn.Conv2d(64, 64, 3, padding=1), nn.SiLU(),
                                 nn.Upsample(scale_factor=2.0, mode="nearest"),
                                 nn.Conv2d(64, 32, 3, padding=1), nn.SiLU(),
                                 nn.Conv2d(32, 1, 3, padding=1), nn.Tanh())
        self.register_buffer("scale", torch.ones(()))

    def forward(self, z):
        return self.net(z * self.scale)


class LatentFlow(nn.Module):
    """Velocity v(z, t, label) on [B,4,7,7]: three FiLM ResBlocks at 7x7 (the whole latent is in view)."""

    def __init__(self, width=64, emb_dim=128, time_dim=64):
        super().__init__()
        half = time_dim // 2
        self.register_buffer("freqs", torch.exp(-np.log(10000.0) * torch.arange(half, dtype=torch.float32) / half))
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.label_emb = nn.Embedding(NUM_CLASSES + 1, emb_dim)
        self.inc = nn.Conv2d(LATENT[0], width, 3, padding=1)
        self.blocks = nn.ModuleList([demo.ResBlock(width, width, emb_dim) for _ in range(3)])
        self.out = nn.Sequential(nn.GroupNorm(8, width), nn.SiLU(), nn.Conv2d(width, LATENT[0], 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x, t, label):
        a = (t * 1000.0)[:, None] * self.freqs[None, :]
        emb = F.silu(self.time_mlp(torch.cat([torch.sin(a), torch.cos(a)], dim=1)) + self.label_emb(label))
        h = self.inc(x)
        for b in self.blocks:
            h = b(h, emb)
        return self.out(h)


def train_autoencoder(args, xtr, work):
    enc, dec = Encoder(), Decoder()
    ck = work / "ae.pt"
    if ck.exists():
        state = torch.load(ck)
        enc.load_state_dict(state["enc"]), dec.load_state_dict(state["dec"])
        demo.log(f"autoencoder reloaded from {ck} ({state['minutes']:.1f} min, {state['steps']} steps)")
        return enc, dec, state["minutes"]
    g = torch.Generator().manual_seed(args.seed)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=2e-3)
    start, step = time.time(), 0
    while (time.time() - start) / 60 < args.ae_minutes:
        idx = torch.randint(0, len(xtr), (args.batch,), generator=g)
        x = xtr[idx]
        z = enc.net(x)
        # A little latent noise and an L2 pull keep the latent smooth and bounded: the flow model's
        # samples land near, not on, encoded images, and the decoder must tolerate that.
        rec = dec.net(z + 0.05 * z.detach().std() * torch.randn(z.shape, generator=g))
        loss = F.mse_loss(rec, x) + 1e-4 * z.pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            demo.log(f"autoencoder step {step}: loss {loss.item():.4f}")
    with torch.no_grad():
        s = torch.cat([enc.net(xtr[i:i + 500]) for i in range(0, 5000, 500)]).std()
    enc.scale.fill_(s), dec.scale.fill_(s)
    minutes = (time.time() - start) / 60
    torch.save({"enc": enc.state_dict(), "dec": dec.state_dict(), "minutes": minutes, "steps": step}, ck)
    demo.log(f"autoencoder: {step} steps in {minutes:.1f} min, latent scale {s.item():.4f}")
    return enc, dec, minutes


@torch.no_grad()
def encode_all(enc, x):
    return torch.cat([enc(x[i:i + 1000]) for i in range(0, len(x), 1000)])


def train_flow(args, ztr, ytr, work):
    model, ema = LatentFlow(), LatentFlow()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    ck = work / "flow.pt"
    step, minutes = 0, 0.0
    if ck.exists():
        state = torch.load(ck)
        model.load_state_dict(state["model"]), ema.load_state_dict(state["ema"]), opt.load_state_dict(state["opt"])
        step, minutes = state["step"], state["minutes"]
        demo.log(f"flow resumed at step {step} ({minutes:.1f} min)")
    else:
        ema.load_state_dict(model.state_dict())
    g = torch.Generator().manual_seed(args.seed + 2 + step)
    start, last_save = time.time() - minutes * 60, time.time()
    while (time.time() - start) / 60 < args.flow_minutes:
        idx = torch.randint(0, len(ztr), (args.batch,), generator=g)
        z1, lab = ztr[idx], ytr[idx]
        z0 = torch.randn(z1.shape, generator=g)
        t = torch.rand(len(idx), generator=g)
        zt = (1 - t)[:, None, None, None] * z0 + t[:, None, None, None] * z1
        lab = torch.where(torch.rand(len(idx), generator=g) < args.label_dropout, torch.full_like(lab, NULL_CLASS), lab)
        loss = F.mse_loss(model(zt, t, lab), z1 - z0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        demo.ema_update(ema, model, 0.995 if step < 2000 else 0.999)
        step += 1
        if step % 200 == 0:
            demo.log(f"flow step {step}: loss {loss.item():.4f}")
        if time.time() - last_save > 60:
            save_flow(ck, model, ema, opt, step, (time.time() - start) / 60)
            last_save = time.time()
    minutes = (time.time() - start) / 60
    save_flow(ck, model, ema, opt, step, minutes)
    demo.log(f"flow: {step} steps, {minutes:.1f} min")
    ema.eval()
    return ema, minutes, step


def save_flow(ck, model, ema, opt, step, minutes):
    torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                "step": step, "minutes": minutes}, ck)


@torch.no_grad()
def sample(flow, labels, w, steps, g):
    """Heun, uniform grid, guidance v = v_null + w (v_class - v_null): what the worker's default does."""
    z = torch.randn((len(labels),) + LATENT, generator=g)
    null = torch.full_like(labels, NULL_CLASS)

    def v(z, t):
        tt = torch.full((len(z),), t)
        vc, vn = flow(z, tt, labels), flow(z, tt, null)
        return vn + w * (vc - vn)

    for i in range(steps):
        t0, t1 = i / steps, (i + 1) / steps
        k1 = v(z, t0)
        k2 = v(z + (t1 - t0) * k1, t1)
        z = z + (t1 - t0) * 0.5 * (k1 + k2)
    return z


def export(enc, dec, flow, out):
    import onnx
    specs = [
        ("encoder", enc, (torch.randn(2, 1, 28, 28),), ["image"], ["z"]),
        ("decoder", dec, (torch.randn(2, *LATENT),), ["z"], ["image"]),
        ("model", flow, (torch.randn(2, *LATENT), torch.tensor([0.3, 0.7]), torch.tensor([3, NULL_CLASS])),
         ["x", "t", "label"], ["v"]),
    ]
    for name, m, ex, ins, outs in specs:
        dyn = {n: {0: "batch"} for n in ins + outs}
        path = out / f"{name}.onnx"
        torch.onnx.export(m, ex, str(path), opset_version=17, input_names=ins, output_names=outs,
                          dynamic_axes=dyn, do_constant_folding=True)
        onnx.checker.check_model(onnx.load(str(path)), full_check=True)
        torch.jit.trace(m, ex).save(str(out / f"{name}.pt"))


def check_exports(enc, dec, flow, out):
    import onnx_numpy_check
    g = torch.Generator().manual_seed(7)
    x = torch.rand((3, 1, 28, 28), generator=g) * 2 - 1
    z = torch.randn((3,) + LATENT, generator=g)
    t, lab = torch.rand(3, generator=g), torch.tensor([1, 5, NULL_CLASS])
    with torch.no_grad():
        pairs = [(enc(x), onnx_numpy_check.run(str(out / "encoder.onnx"), {"image": x.numpy()})[0]),
                 (dec(z), onnx_numpy_check.run(str(out / "decoder.onnx"), {"z": z.numpy()})[0]),
                 (flow(z, t, lab), onnx_numpy_check.run(str(out / "model.onnx"),
                                                        {"x": z.numpy(), "t": t.numpy(), "label": lab.numpy()})[0])]
    diffs = [float(np.abs(o - e.numpy()).max()) for e, o in pairs]
    demo.log(f"export check |onnx(numpy)-eager|: encoder {diffs[0]:.2e}, decoder {diffs[1]:.2e}, flow {diffs[2]:.2e}")
    assert max(diffs) < 1e-3
    return diffs


def write_reference_outputs(enc, dec, flow, out):
    torch.manual_seed(0)
    z = torch.randn((3,) + LATENT)
    t, lab = torch.tensor([0.1, 0.5, 0.9]), torch.tensor([0, 7, NULL_CLASS])
    with torch.no_grad():
        v, img = flow(z, t, lab), dec(z)

    def rows(a):
        return [{"first16": [float(q) for q in r.flatten()[:16]], "sum": float(r.double().sum()),
                 "l2": float(r.double().norm())} for r in a]

    doc = {"description": "Velocity and decoded image of the exported latent model for a fixed latent "
                          "(torch.manual_seed(0); torch.randn(3,4,7,7), given in full, row-major per sample).",
           "input": {"shape": [3, *LATENT], "x": [[float(q) for q in r.flatten()] for r in z],
                     "t": [float(q) for q in t], "label": [int(q) for q in lab]},
           "output": {"name": "v", "shape": [3, *LATENT], "rows": rows(v)},
           "decoder": {"input": "z", "name": "image", "shape": [3, 1, 28, 28], "rows": rows(img)},
           "tolerance": {"abs": 1e-4, "note": "float32 engines differ in summation order"}}
    (out / "reference-outputs.json").write_text(json.dumps(doc) + "\n")


def write_manifest(out, w, steps):
    m = {
        "name": "fashion-mnist-latent", "version": "1",
        "description": "Class-conditional flow model in the 4x7x7 latent space of a small Fashion-MNIST "
                       "autoencoder; decoder (and encoder for image-to-image) declared as pipeline stages",
        "engine": "OnnxRuntime", "file": "model.onnx", "alternatives": {"PyTorch": "model.pt"},
        "inputs": {"x": "x", "t": "t", "label": "label"}, "output": "v", "labelType": "int64",
        "sampleShape": list(LATENT), "valueRange": [-1.0, 1.0],
        # No "image": the sample is the latent; the decoder's outputShape is the picture.
        "time": {"direction": "noise_to_data", "scale": 1.0},
        "decoder": {"engine": "OnnxRuntime", "file": "decoder.onnx", "alternatives": {"PyTorch": "decoder.pt"},
                    "input": "z", "output": "image", "inputShape": list(LATENT), "outputShape": [1, 28, 28],
                    "valueRange": [-1.0, 1.0]},
        "encoder": {"engine": "OnnxRuntime", "file": "encoder.onnx", "alternatives": {"PyTorch": "encoder.pt"},
                    "input": "image", "output": "z", "inputShape": [1, 28, 28], "outputShape": list(LATENT),
                    "valueRange": [-1.0, 1.0]},
        "conditioning": {"type": "class", "numClasses": 10, "nullClass": 10,
                         "classNames": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                        "Shirt", "Sneaker", "Bag", "Ankle boot"]},
        "defaultSampler": {"solver": "heun", "steps": steps, "guidanceScale": w},
        "batchSizeHint": 64,
    }
    (out / "flowline-model.json").write_text(json.dumps(m, indent=2) + "\n")


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    demo.quiet_allocator()
    work, out = Path(args.work_dir), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    t_all = time.time()
    xtr, ytr = demo.load_split(args.data, "train")
    xte, yte = demo.load_split(args.data, "t10k")
    enc, dec, ae_min = train_autoencoder(args, xtr, work)
    enc.eval(), dec.eval()
    with torch.no_grad():
        rec = torch.cat([dec(enc(xte[i:i + 1000])) for i in range(0, len(xte), 1000)])
    rec_mse = F.mse_loss(rec, xte).item()
    demo.log(f"reconstruction MSE on the 10,000 test images ([-1,1] scale): {rec_mse:.4f}")
    ztr = encode_all(enc, xtr)
    demo.log(f"latent std after scaling: {ztr.std().item():.3f}")
    flow, flow_min, flow_steps = train_flow(args, ztr, ytr, work)

    import onnx_numpy_check
    clf_path = Path(__file__).resolve().parents[1] / "resources/models/fashion-mnist/classifier.onnx"
    labels = torch.arange(NUM_CLASSES).repeat_interleave(args.eval_per_class)
    imgs = dec(sample(flow, labels, args.eval_w, args.eval_steps, torch.Generator().manual_seed(99)))
    logits = onnx_numpy_check.run(str(clf_path), {"x": imgs.detach().numpy()})[0]
    acc = float((logits.argmax(1) == labels.numpy()).mean())
    rec_logits = onnx_numpy_check.run(str(clf_path), {"x": rec[:1000].numpy()})[0]
    rec_acc = float((rec_logits.argmax(1) == yte[:1000].numpy()).mean())
    demo.log(f"class accuracy of {len(labels)} samples (w={args.eval_w}, heun {args.eval_steps}): {acc:.3f}; "
             f"of 1000 reconstructions: {rec_acc:.3f}")

    export(enc, dec, flow, out)
    diffs = check_exports(enc, dec, flow, out)
    write_reference_outputs(enc, dec, flow, out)
    write_manifest(out, args.eval_w, args.eval_steps)
    total = (time.time() - t_all) / 60
    (out / "TRAINING.md").write_text(f"""# fashion-mnist-latent: how it was trained

Produced by `worker/src/main/python/train_latent.py` (command in its docstring), 1 torch thread on a
shared 2-core machine.

| figure | value |
|---|---|
| autoencoder | 28x28 -> 4x7x7 (x16 fewer values), {sum(p.numel() for p in enc.parameters()) + sum(p.numel() for p in dec.parameters())} parameters, {ae_min:.1f} min |
| latent scale (divided out by the encoder, multiplied back by the decoder) | {float(enc.scale):.4f} |
| reconstruction MSE, 10,000 test images, pixels in [-1,1] | {rec_mse:.4f} |
| shipped classifier's accuracy on 1,000 reconstructions | {rec_acc:.3f} |
| flow model | {sum(p.numel() for p in flow.parameters())} parameters, {flow_steps} steps of batch {args.batch}, {flow_min:.1f} min |
| class accuracy of {len(labels)} samples (guidance {args.eval_w}, Heun {args.eval_steps} steps), shipped classifier | {acc:.3f} |
| export check, max abs ONNX(numpy) - eager: encoder / decoder / flow | {diffs[0]:.1e} / {diffs[1]:.1e} / {diffs[2]:.1e} |
| wall time of this run (training resumed from checkpoints counts only the resumed part) | {total:.1f} min |
""")
    demo.log(f"done in {total:.1f} min")


if __name__ == "__main__":
    main()
