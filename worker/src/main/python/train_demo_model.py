#!/usr/bin/python3
"""Train and export Flowline's demo model: a class-conditional flow-matching U-Net on Fashion-MNIST.

Command (what produced the committed files; Debian's python3 with python3-torch 1.13, python3-onnx and
python3-pil; data from the Debian package dataset-fashion-mnist). Training takes at most ~37 min on 2 CPU
cores: the classifier (2 epochs; 4 min on idle cores, 12 on busy ones) and the flow model, which stops at
3600 steps (~18 min on idle cores) or after --max-flow-minutes (25), whichever comes first; then ~5-10 min
of evaluation and export:

    /usr/bin/python3 worker/src/main/python/train_demo_model.py \
        --out worker/src/main/resources/models/fashion-mnist

What it does, in order (each step is one section of this file):
  1. loads Fashion-MNIST from the gzipped IDX files, pixels scaled to [-1, 1];
  2. trains a small CNN classifier (features for a Frechet distance, labels for guided-sample accuracy)
     and writes the mean/covariance of its features on the 10,000 test images;
  3. trains the velocity U-Net by conditional flow matching (rectified flow):
       t = 0 is noise x0 ~ N(0, I), t = 1 is data x1, x_t = (1 - t) x0 + t x1, target v = x1 - x0;
     labels are dropped to the null class 10 with probability --label-dropout, so that one network
     gives both the conditional and the unconditional velocity (classifier-free guidance);
  4. samples --eval-per-class images per class with guidance w in --eval-w (v = v_null + w (v_class - v_null),
     Heun with 16 uniform steps), classifies them and reports accuracy and Frechet distance per w;
  5. exports the EMA weights as model.onnx (opset 17, dynamic batch) and model.pt (TorchScript), the
     classifier as classifier.onnx, reference outputs for the Java side, the manifest and TRAINING.md,
     and checks the exports (TorchScript reload vs eager, onnx.checker, and the ONNX graph run by the
     small numpy interpreter in onnx_numpy_check.py, since ONNX Runtime is not installed for Python here).

Outputs that are not committed: checkpoints in --work-dir (default /tmp/flowline-train) and sample
grids /tmp/train-grid.png (best w) and /tmp/train-grid-w<w>.png. `--skip-train` reloads the checkpoint
and redoes evaluation and export only.
"""
import argparse
import ctypes
import gzip
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

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
NUM_CLASSES = 10
NULL_CLASS = 10  # label id of "no class": the unconditional velocity used by guidance


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="directory that receives the exported model files")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--work-dir", default="/tmp/flowline-train", help="checkpoints (not committed)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    # flow model
    p.add_argument("--steps", type=int, default=3600, help="flow-matching optimiser steps")
    p.add_argument("--max-flow-minutes", type=float, default=25.0,
                   help="time budget of flow training; the lr schedule follows whichever of steps and time runs out first")
    p.add_argument("--batch", type=int, default=64, help="flow-matching batch size")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--label-dropout", type=float, default=0.1)
    p.add_argument("--channels", default="32,64,64", help="U-Net widths at 28x28, 14x14, 7x7")
    # classifier
    p.add_argument("--clf-epochs", type=int, default=2)
    p.add_argument("--clf-batch", type=int, default=128)
    p.add_argument("--clf-features", type=int, default=128)
    # evaluation
    p.add_argument("--eval-per-class", type=int, default=50)
    p.add_argument("--eval-w", default="1,2,3")
    p.add_argument("--eval-solver", default="heun", choices=["heun", "euler"])
    p.add_argument("--eval-steps", type=int, default=16)
    p.add_argument("--default-steps", type=int, default=8, help="steps of the manifest's default sampler")
    p.add_argument("--skip-train", action="store_true", help="reload --work-dir/checkpoint.pt instead of training")
    p.add_argument("--reuse-classifier", action="store_true", help="reload --work-dir/classifier.pt instead of training it")
    return p.parse_args()


def quiet_allocator():
    """Keep freed activations in glibc's heap instead of returning them to the kernel.

    Measured here: with glibc's defaults a batch-128 training step took 3.2 s (most of it page faults
    on freshly mmapped activation buffers); with these two settings 0.64 s. Same as starting Python
    with MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ set.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except OSError:
        pass


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------------------------------
# 1. Data
# ----------------------------------------------------------------------------------------------------

def read_idx(path):
    """IDX format: 2 zero bytes, a type byte (0x08 = uint8), the number of axes, big-endian axis sizes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)  # [N,1,28,28] in [-1,1]
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


# ----------------------------------------------------------------------------------------------------
# 2. Models
# ----------------------------------------------------------------------------------------------------

class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice; the time+class embedding scales and shifts the middle (FiLM).

    The last conv starts at zero so that each block starts as the identity: trains faster when short.
    """

    def __init__(self, cin, cout, emb_dim):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * cout)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class FlowUNet(nn.Module):
    """Velocity field v(x, t, label) on [B,1,28,28]; three resolutions 28/14/7, one block per level.

    Deliberately shallow: inference cost (many solver steps x guided rows on a CPU) matters more for the
    demo than the last bit of sample quality. No attention: at 7x7 the convolutions already see the
    whole image. Inputs: x float32 [B,1,28,28], t float32 [B] in [0,1], label int64 [B] (10 = null).
    """

    def __init__(self, channels=(32, 64, 64), emb_dim=128, time_dim=64):
        super().__init__()
        c1, c2, c3 = channels
        half = time_dim // 2
        # Sinusoidal embedding of 1000 t (the usual DDPM frequencies); a buffer, so that exports
        # carry it as a constant instead of tracing an arange.
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half))
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.label_emb = nn.Embedding(NUM_CLASSES + 1, emb_dim)  # 11 entries, id 10 = null class
        self.inc = nn.Conv2d(1, c1, 3, padding=1)
        self.down1_block = ResBlock(c1, c1, emb_dim)                   # 28x28
        self.down1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)         # -> 14x14
        self.down2_block = ResBlock(c2, c2, emb_dim)
        self.down2 = nn.Conv2d(c2, c3, 3, stride=2, padding=1)         # -> 7x7
        self.mid1 = ResBlock(c3, c3, emb_dim)
        self.mid2 = ResBlock(c3, c3, emb_dim)
        self.up2_block = ResBlock(c3 + c2, c2, emb_dim)                # 14x14, with the skip from down2
        self.up1_block = ResBlock(c2 + c1, c1, emb_dim)                # 28x28, with the skip from down1
        self.out = nn.Sequential(nn.GroupNorm(8, c1), nn.SiLU(), nn.Conv2d(c1, 1, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x, t, label):
        return self.trunk(x, F.silu(self.time_mlp(self.sinusoidal(t)) + self.label_emb(label)))

    def sinusoidal(self, t):
        """Sinusoidal features of 1000 t, [B, time_dim]."""
        a = (t * 1000.0)[:, None] * self.freqs[None, :]
        return torch.cat([torch.sin(a), torch.cos(a)], dim=1)

    def trunk(self, x, emb):
        """The U-Net proper, conditioned on the (time + class) embedding `emb` by FiLM in every block."""
        h1 = self.down1_block(self.inc(x), emb)
        h2 = self.down2_block(self.down1(h1), emb)
        h = self.mid2(self.mid1(self.down2(h2), emb), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up2_block(torch.cat([h, h2], dim=1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up1_block(torch.cat([h, h1], dim=1), emb)
        return self.out(h)


class Classifier(nn.Module):
    """Small CNN on [B,1,28,28] in [-1,1]. Returns (logits [B,10], features [B,F]).

    `features` is the penultimate layer (after ReLU, before dropout): the embedding in which the
    Frechet-distance benchmark compares generated and real images.
    """

    def __init__(self, feature_dim=128):
        super().__init__()

        def conv(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())

        # One conv at 28x28 only: the second one there doubled the training time for little accuracy.
        self.body = nn.Sequential(conv(1, 32), nn.MaxPool2d(2),                  # 14x14
                                  conv(32, 64), conv(64, 64), nn.MaxPool2d(2))   # 7x7
        self.fc = nn.Linear(64 * 7 * 7, feature_dim)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, NUM_CLASSES)

    def forward(self, x):
        features = F.relu(self.fc(self.body(x).flatten(1)))
        return self.head(self.drop(features)), features


def count_params(m):
    return sum(p.numel() for p in m.parameters())


# ----------------------------------------------------------------------------------------------------
# 3. Classifier and reference feature statistics
# ----------------------------------------------------------------------------------------------------

def train_classifier(args, xtr, ytr, xte, yte):
    g = torch.Generator().manual_seed(args.seed + 1)
    clf = Classifier(args.clf_features)
    opt = torch.optim.Adam(clf.parameters(), lr=1e-3)
    steps_per_epoch = len(xtr) // args.clf_batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.clf_epochs * steps_per_epoch)
    for epoch in range(args.clf_epochs):
        clf.train()
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(steps_per_epoch):
            idx = perm[i * args.clf_batch:(i + 1) * args.clf_batch]
            x = xtr[idx]
            # Horizontal flips are label-preserving for clothes; a cheap guard against overfitting.
            flip = torch.rand(len(idx), generator=g) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            loss = F.cross_entropy(clf(x)[0], ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc = classifier_accuracy(clf, xte, yte)
        log(f"classifier epoch {epoch + 1}/{args.clf_epochs}: loss {loss.item():.3f}, test accuracy {acc:.4f}")
    clf.eval()
    return clf


@torch.no_grad()
def classify(clf, x, batch=500):
    clf.eval()
    logits, feats = zip(*(clf(x[i:i + batch]) for i in range(0, len(x), batch)))
    return torch.cat(logits), torch.cat(feats)


def classifier_accuracy(clf, x, y):
    return (classify(clf, x)[0].argmax(1) == y).float().mean().item()


def feature_stats(feats):
    f = feats.double().numpy()
    return f.mean(0), np.cov(f, rowvar=False)


def frechet_distance(mu1, cov1, mu2, cov2):
    """||mu1-mu2||^2 + tr(C1 + C2 - 2 (C1 C2)^1/2); tr sqrt(C1 C2) from the eigenvalues of the
    symmetric C1^1/2 C2 C1^1/2 (same spectrum), which avoids scipy and a non-symmetric sqrtm."""
    w, vecs = np.linalg.eigh(cov1)
    s1 = (vecs * np.sqrt(np.clip(w, 0, None))) @ vecs.T
    ev = np.linalg.eigvalsh(s1 @ cov2 @ s1)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * np.sqrt(np.clip(ev, 0, None)).sum())


# ----------------------------------------------------------------------------------------------------
# 4. Flow matching
# ----------------------------------------------------------------------------------------------------

def flow_matching_loss(model, x1, labels, g, label_dropout):
    """Conditional OT / rectified-flow loss: regress v(x_t, t) onto x1 - x0 along the straight path."""
    b = x1.shape[0]
    x0 = torch.randn(x1.shape, generator=g)
    t = torch.rand(b, generator=g)  # uniform: the few-step solvers evaluate near both ends too
    xt = (1 - t)[:, None, None, None] * x0 + t[:, None, None, None] * x1
    drop = torch.rand(b, generator=g) < label_dropout
    labels = torch.where(drop, torch.full_like(labels, NULL_CLASS), labels)
    return F.mse_loss(model(xt, t, labels), x1 - x0)


@torch.no_grad()
def ema_update(ema, model, decay):
    for pe, pm in zip(ema.parameters(), model.parameters()):
        pe.mul_(decay).add_(pm, alpha=1 - decay)


def train_flow(args, xtr, ytr):
    g = torch.Generator().manual_seed(args.seed + 2)
    model = FlowUNet(tuple(int(c) for c in args.channels.split(",")))
    ema = FlowUNet(tuple(int(c) for c in args.channels.split(",")))
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)

    # The machine is shared with other people's builds, so a step can take 0.3 s or 1.5 s. The schedule
    # therefore runs on progress = max(steps done / --steps, time used / --max-flow-minutes): whichever
    # budget runs out first ends training with the learning rate fully annealed. On an idle machine
    # the step count decides and the run is reproducible from the seed; TRAINING.md records the steps run.
    budget_s = 60 * args.max_flow_minutes

    def lr_at(step, progress):  # linear warm-up, then cosine decay to 5%: helps most when the run is short
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        return args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))

    perm, pos = torch.randperm(len(xtr), generator=g), 0
    t0, running, step, progress, loads = time.time(), 0.0, 0, 0.0, []
    while progress < 1.0:
        if pos + args.batch > len(perm):
            perm, pos = torch.randperm(len(xtr), generator=g), 0
        idx = perm[pos:pos + args.batch]
        pos += args.batch
        lr = lr_at(step, progress)
        for group in opt.param_groups:
            group["lr"] = lr
        loss = flow_matching_loss(model, xtr[idx], ytr[idx], g, args.label_dropout)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        # EMA warm-up: average over the steps so far until that is longer than 1/(1-decay).
        ema_update(ema, model, min(args.ema, (1 + step) / (10 + step)))
        running = loss.item() if step == 0 else 0.98 * running + 0.02 * loss.item()
        step += 1
        el = time.time() - t0
        progress = max(step / args.steps, el / budget_s)
        if step % 100 == 0 or step == 1:
            loads.append(os.getloadavg()[0])
            log(f"flow step {step}: loss {running:.4f}, lr {lr:.2e}, {el / step:.3f} s/step, "
                f"progress {progress:.3f}, eta {el / progress * (1 - progress) / 60:.1f} min")
    if step < args.steps:
        log(f"flow training ended by --max-flow-minutes after {step} of {args.steps} steps")
    ema.eval()
    return model, ema, step, f"{min(loads):.1f} to {max(loads):.1f}"


# ----------------------------------------------------------------------------------------------------
# 5. Sampling and evaluation
# ----------------------------------------------------------------------------------------------------

@torch.no_grad()
def guided_velocity(model, x, t, labels, w):
    """Classifier-free guidance v = v_null + w (v_class - v_null); w = 1 is the plain conditional model.
    Both rows go through one forward, as the worker's scheduler batches them."""
    tt = torch.full((x.shape[0],), t)
    if w == 1.0:
        return model(x, tt, labels)
    both = model(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([labels, torch.full_like(labels, NULL_CLASS)]))
    v_cond, v_null = both.chunk(2)
    return v_null + w * (v_cond - v_null)


@torch.no_grad()
def sample(model, labels, w, steps, solver, g):
    """Integrate dx/dt = v from t=0 (noise) to t=1 (data) on a uniform grid."""
    x = torch.randn((len(labels), 1, 28, 28), generator=g)
    ts = torch.linspace(0.0, 1.0, steps + 1).tolist()
    for t, t_next in zip(ts[:-1], ts[1:]):
        h = t_next - t
        k1 = guided_velocity(model, x, t, labels, w)
        if solver == "euler":
            x = x + h * k1
        else:  # Heun: Euler predictor, trapezoidal corrector
            k2 = guided_velocity(model, x + h * k1, t_next, labels, w)
            x = x + 0.5 * h * (k1 + k2)
    return x.clamp(-1, 1)


def generate_per_class(model, per_class, w, steps, solver, seed, chunk=100):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(NUM_CLASSES).repeat_interleave(per_class)
    return torch.cat([sample(model, labels[i:i + chunk], w, steps, solver, g)
                      for i in range(0, len(labels), chunk)]), labels


def evaluate(model, clf, ref_mu, ref_cov, labels_x, labels, w, what):
    logits, feats = classify(clf, labels_x)
    pred = logits.argmax(1)
    per_class = [(pred[labels == c] == c).float().mean().item() for c in range(NUM_CLASSES)]
    mu, cov = feature_stats(feats)
    res = {"w": w, "accuracy": (pred == labels).float().mean().item(), "perClass": per_class,
           "frechetDistance": frechet_distance(mu, cov, ref_mu, ref_cov), "what": what}
    log(f"{what} w={w}: accuracy {res['accuracy']:.4f}, FD {res['frechetDistance']:.2f}, per class "
        + " ".join(f"{a:.2f}" for a in per_class))
    return res


def save_grid(x, labels, path, cols=8, zoom=3):
    """Rows = the 10 classes, `cols` samples each."""
    from PIL import Image
    rows = [x[labels == c][:cols] for c in range(NUM_CLASSES)]
    img = torch.cat([torch.cat(list(r[:, 0]), dim=1) for r in rows], dim=0)  # [10*28, cols*28]
    arr = ((img.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    Image.fromarray(arr, mode="L").resize((arr.shape[1] * zoom, arr.shape[0] * zoom), Image.NEAREST).save(path)


# ----------------------------------------------------------------------------------------------------
# 6. Export and checks
# ----------------------------------------------------------------------------------------------------

def export_flow(ema, out):
    import onnx
    ex = (torch.randn(2, 1, 28, 28), torch.tensor([0.3, 0.7]), torch.tensor([3, NULL_CLASS]))
    dyn = {"x": {0: "batch"}, "t": {0: "batch"}, "label": {0: "batch"}, "v": {0: "batch"}}
    torch.onnx.export(ema, ex, str(out / "model.onnx"), opset_version=17, input_names=["x", "t", "label"],
                      output_names=["v"], dynamic_axes=dyn, do_constant_folding=True)
    # The exporter cannot infer H and W through Resize-by-scales and leaves them symbolic; they are 1x28x28.
    proto = onnx.load(str(out / "model.onnx"))
    for dim, size in zip(proto.graph.output[0].type.tensor_type.shape.dim[1:], (1, 28, 28)):
        dim.ClearField("dim_param")
        dim.dim_value = size
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(out / "model.onnx"))
    traced = torch.jit.trace(ema, ex)
    traced.save(str(out / "model.pt"))


def export_classifier(clf, out):
    import onnx
    clf.eval()
    torch.onnx.export(clf, (torch.randn(2, 1, 28, 28),), str(out / "classifier.onnx"), opset_version=17,
                      input_names=["x"], output_names=["logits", "features"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(out / "classifier.onnx")), full_check=True)


def reference_input():
    torch.manual_seed(0)
    x = torch.randn(3, 1, 28, 28)
    return x, torch.tensor([0.1, 0.5, 0.9]), torch.tensor([0, 7, NULL_CLASS], dtype=torch.int64)


def write_reference_outputs(ema, out):
    x, t, label = reference_input()
    with torch.no_grad():
        v = ema(x, t, label)
    rows = [{"first16": [float(a) for a in r.flatten()[:16]], "sum": float(r.double().sum()),
             "l2": float(r.double().norm())} for r in v]
    doc = {"description": "Velocity of the exported model for a fixed input. x is torch.manual_seed(0); "
                          "torch.randn(3,1,28,28), given in full (row-major per sample) since other languages "
                          "cannot reproduce torch's generator. first16 = the first 16 values of each row's v "
                          "(flattened C,H,W); sum and l2 over the whole row, computed in float64.",
           "input": {"shape": [3, 1, 28, 28], "x": [[float(a) for a in r.flatten()] for r in x],
                     "t": [float(a) for a in t], "label": [int(a) for a in label]},
           "output": {"name": "v", "shape": [3, 1, 28, 28], "rows": rows},
           "tolerance": {"abs": 1e-4, "note": "float32 engines differ in summation order"}}
    (out / "reference-outputs.json").write_text(json.dumps(doc) + "\n")
    return v


def check_exports(ema, clf, out):
    """TorchScript reload == eager; ONNX graphs evaluated by numpy == eager, at batch sizes other than
    the traced one (a baked-in batch size would fail here)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import onnx_numpy_check
    ts = torch.jit.load(str(out / "model.pt"))
    report = {}
    for b in (1, 3, 5):
        g = torch.Generator().manual_seed(100 + b)
        x = torch.randn((b, 1, 28, 28), generator=g)
        t = torch.rand(b, generator=g)
        lab = torch.randint(0, NUM_CLASSES + 1, (b,), generator=g)
        with torch.no_grad():
            v = ema(x, t, lab)
            d_ts = (ts(x, t, lab) - v).abs().max().item()
            logits, feats = clf(x)
        (v_onnx,) = onnx_numpy_check.run(str(out / "model.onnx"), {"x": x.numpy(), "t": t.numpy(), "label": lab.numpy()})
        lo, fe = onnx_numpy_check.run(str(out / "classifier.onnx"), {"x": x.numpy()})
        d_onnx = float(np.abs(v_onnx - v.numpy()).max())
        d_clf = max(float(np.abs(lo - logits.numpy()).max()), float(np.abs(fe - feats.numpy()).max()))
        log(f"export check batch {b}: |torchscript-eager| {d_ts:.2e}, |onnx(numpy)-eager| {d_onnx:.2e}, "
            f"classifier |onnx(numpy)-eager| {d_clf:.2e}, shapes v{list(v_onnx.shape)} logits{list(lo.shape)} features{list(fe.shape)}")
        assert v_onnx.shape == (b, 1, 28, 28) and lo.shape == (b, NUM_CLASSES) and fe.shape == (b, feats.shape[1])
        assert d_ts < 1e-4 and d_onnx < 1e-3 and d_clf < 1e-3, "export does not match the eager model"
        report[b] = {"torchscript": d_ts, "onnxNumpy": d_onnx, "classifierOnnxNumpy": d_clf}
    return report


@torch.no_grad()
def ms_per_forward(model, batch, reps):
    x, t, lab = torch.randn(batch, 1, 28, 28), torch.rand(batch), torch.randint(0, 11, (batch,))
    for _ in range(3):
        model(x, t, lab)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        model(x, t, lab)
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def write_manifest(out, best_w, default_steps):
    manifest = {
        "name": "fashion-mnist",
        "version": "1",
        "description": "Class-conditional flow-matching U-Net trained on Fashion-MNIST (28x28 greyscale), "
                       "with a null class for classifier-free guidance",
        "engine": "OnnxRuntime",
        "file": "model.onnx",
        "alternatives": {"PyTorch": "model.pt"},
        "inputs": {"x": "x", "t": "t", "label": "label"},
        "output": "v",
        "labelType": "int64",
        "sampleShape": [1, 28, 28],
        "valueRange": [-1.0, 1.0],
        "image": {"channels": 1, "height": 28, "width": 28},
        "time": {"direction": "noise_to_data", "scale": 1.0},
        "conditioning": {"type": "class", "numClasses": NUM_CLASSES, "nullClass": NULL_CLASS, "classNames": CLASS_NAMES},
        "defaultSampler": {"solver": "heun", "steps": default_steps, "guidanceScale": best_w},
        "schedules": {},
        "batchSizeHint": 32,
        "evaluation": {"classifier": "classifier.onnx", "referenceFeatures": "fashion-mnist-test-features.json"},
    }
    (out / "flowline-model.json").write_text(json.dumps(manifest, indent=2) + "\n")


# ----------------------------------------------------------------------------------------------------
# 7. Report
# ----------------------------------------------------------------------------------------------------

def write_training_md(out, args, m):
    def acc_row(r):
        return (f"| {r['w']:g} | {r['what']} | {100 * r['accuracy']:.1f}% | {r['frechetDistance']:.2f} | "
                + " ".join(f"{100 * a:.0f}" for a in r["perClass"]) + " |")

    budget_note = ""
    if m["flowSteps"] < args.steps:
        budget_note = (f"\nThe flow model's time budget ran out before its step count: {m['flowSteps']} of {args.steps} steps "
                       f"in {args.max_flow_minutes:g} min. The 2 cores were shared with other people's Maven builds "
                       f"(1-minute load average {m.get('flowLoad', 'not recorded')} during training); a batch-64 step takes about 0.3 s "
                       f"when the cores are free, so on an idle machine the same command runs all {args.steps} steps.\n")
    files = "\n".join(f"| `{p.name}` | {p.stat().st_size:,} |" for p in sorted(out.iterdir())
                      if p.is_file() and p.name != "TRAINING.md")
    text = f"""# Fashion-MNIST demo model: how it was trained

Written by `worker/src/main/python/train_demo_model.py` from the figures it measured in the run
that produced the files beside it.

## Command

```
/usr/bin/python3 worker/src/main/python/train_demo_model.py --out worker/src/main/resources/models/fashion-mnist
```

That one command does everything. The committed files were made in steps (same code, same seeds and
defaults; each step reloads what the previous one saved in --work-dir):

| step | command |
|---|---|
| classifier | `{m['commands']['classifier']}` |
| flow model | `{m['commands']['flow']}` |
| evaluation, export | `{m['command']}` |

Debian's `/usr/bin/python3` with python3-torch {torch.__version__} (CPU), python3-onnx, python3-pil; data from
the Debian package dataset-fashion-mnist. {args.threads} CPU threads on a shared 2-core machine, no GPU. Seeds fixed
(`--seed {args.seed}`); torch CPU kernels are not guaranteed bit-identical across machines.

## Time

| phase | minutes |
|---|---|
| classifier ({args.clf_epochs} epochs, batch {args.clf_batch}) | {m['time']['classifier'] / 60:.1f} |
| flow model ({m['flowSteps']} of {args.steps} steps, batch {args.batch}, {m['time']['flow'] / m['flowSteps']:.3f} s/step) | {m['time']['flow'] / 60:.1f} |
| evaluation (sampling + classifying) | {m['time']['evaluation'] / 60:.1f} |
| export + checks + timing | {m['time']['export'] / 60:.1f} |
| training (classifier + flow model) | {(m['time']['classifier'] + m['time']['flow']) / 60:.1f} |
| **total** | **{m['time']['total'] / 60:.1f}** |
{budget_note}

## Flow model

- Conditional flow matching, rectified-flow path: t = 0 noise x0 ~ N(0, I), t = 1 data x1 (pixels in [-1, 1]),
  x_t = (1 - t) x0 + t x1, target v = x1 - x0; t ~ U(0, 1).
- U-Net, widths {args.channels} at 28/14/7, GroupNorm(8)+SiLU residual blocks with FiLM from a sinusoidal time
  embedding (of 1000 t) plus a class embedding with 11 entries (10 = null class); no attention.
- **{m['params']['flow']:,} parameters.** AdamW lr {args.lr:g} (warm-up {args.warmup}, cosine to 5% over the first to run out of {args.steps} steps and {args.max_flow_minutes:g} min), grad clip 1,
  label dropout {args.label_dropout:g}, EMA {args.ema:g} (exported weights are the EMA). Flow-matching loss of the exported (EMA) weights on 2,000 test images: {m['finalLoss']:.4f}.

## Classifier (evaluation only)

- CNN 32-pool-64-64-pool, FC {args.clf_features} (= `features`, after ReLU), FC 10 (= `logits`);
  {m['params']['classifier']:,} parameters; BatchNorm folded into the ONNX export.
- **Test accuracy {100 * m['classifierAccuracy']:.2f}%** on the 10,000 test images.
- `fashion-mnist-test-features.json`: mean and covariance (float64) of `features` over the 10,000 test images.

## Guided samples

{args.eval_per_class} samples per class ({10 * args.eval_per_class:,} per row), classified by the classifier above. Guidance:
v = v_null + w (v_class - v_null) (w = 1: conditional model alone). FD = Frechet distance in the classifier's
feature space against the test-set statistics ({10 * args.eval_per_class:,} samples, so biased upward; compare rows, not papers;
the 10,000 real test images against themselves give 0 and {m['fdRealTrain']:.2f} for 10,000 training images).

| w | sampler | accuracy | FD | per class 0..9 (%) |
|---|---|---|---|---|
{chr(10).join(acc_row(r) for r in m['eval'])}

Chosen `guidanceScale` for the manifest: **{m['bestW']:g}** ({m['bestWRule']}).

## Speed (torch {torch.__version__}, {args.threads} threads, median ms per forward; load average {m['speed']['load']})

| batch | eager ms | TorchScript ms | ms per sample (eager) |
|---|---|---|---|
{chr(10).join(f"| {b} | {m['speed']['eager'][str(b)]:.1f} | {m['speed']['torchscript'][str(b)]:.1f} | {m['speed']['eager'][str(b)] / b:.2f} |" for b in (1, 2, 8, 32))}

Batch 1 is slower than batch 2 or even 8 here: torch 1.13 on CPU runs batch-1 convolutions on its slow
im2col path (`aten::_slow_conv2d_forward`, 78% of the time in the profiler) and only larger batches
on oneDNN. Other engines (ONNX Runtime, libtorch 2.x in DJL) need measuring on their own.

The demo load (150 samples x 16 steps x 2 guided rows = 4,800 rows) at batch 32: about
{4800 / 32 * m['speed']['eager']['32'] / 1000:.0f} s of forwards in torch eager.

## Export checks

- `model.onnx`: opset 17, inputs `x` float32 [B,1,28,28], `t` float32 [B], `label` int64 [B]; output `v` [B,1,28,28];
  dynamic batch axis (traced at batch 2). `onnx.checker.check_model(full_check=True)` passes. ONNX Runtime is not
  installed for Python here, so the graph was run by `onnx_numpy_check.py` (a numpy interpreter of the ops in it)
  at batch 1, 3 and 5: max |onnx - eager| = {max(r['onnxNumpy'] for r in m['checks'].values()):.1e}.
- `model.pt`: TorchScript (torch.jit.trace), same inputs in the same order; reloaded, max |ts - eager| = {max(r['torchscript'] for r in m['checks'].values()):.1e}.
- `classifier.onnx`: input `x`, outputs `logits` [B,10] and `features` [B,{args.clf_features}]; max |onnx - eager| = {max(r['classifierOnnxNumpy'] for r in m['checks'].values()):.1e}.
- `reference-outputs.json`: full input (batch 3, seed 0 randn, t = [0.1, 0.5, 0.9], label = [0, 7, 10]) and, per row,
  the first 16 values of v, its sum and L2 norm, for the Java engines to reproduce.

## Files

| file | bytes |
|---|---|
{files}
"""
    (out / "TRAINING.md").write_text(text)


# ----------------------------------------------------------------------------------------------------

def main():
    args = parse_args()
    quiet_allocator()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out, work = Path(args.out), Path(args.work_dir)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    m = {"command": "/usr/bin/python3 worker/src/main/python/train_demo_model.py " + " ".join(sys.argv[1:]), "time": {}}
    t_start = time.time()

    xtr, ytr = load_split(args.data, "train")
    xte, yte = load_split(args.data, "t10k")
    log(f"data: train {tuple(xtr.shape)}, test {tuple(xte.shape)}, range [{xtr.min():.0f}, {xtr.max():.0f}]")

    ckpt = work / "checkpoint.pt"
    if args.skip_train:
        state = torch.load(ckpt)
        clf = Classifier(args.clf_features)
        clf.load_state_dict(state["classifier"])
        clf.eval()
        ema = FlowUNet(tuple(int(c) for c in args.channels.split(",")))
        ema.load_state_dict(state["ema"])
        ema.eval()
        m.update(state["metrics"])
        log("loaded " + str(ckpt))
    else:
        t0 = time.time()
        if args.reuse_classifier:
            saved = torch.load(work / "classifier.pt")
            clf = Classifier(args.clf_features)
            clf.load_state_dict(saved["state"])
            clf.eval()
            m["time"]["classifier"] = saved["seconds"]
        else:
            clf = train_classifier(args, xtr, ytr, xte, yte)
            m["time"]["classifier"] = time.time() - t0
            torch.save({"state": clf.state_dict(), "seconds": m["time"]["classifier"], "command": m["command"]},
                       work / "classifier.pt")
        m["commands"] = {"classifier": saved["command"] if args.reuse_classifier else m["command"], "flow": m["command"]}
        t0 = time.time()
        model, ema, m["flowSteps"], m["flowLoad"] = train_flow(args, xtr, ytr)
        m["time"]["flow"] = time.time() - t0
        with torch.no_grad():
            m["finalLoss"] = float(np.mean([flow_matching_loss(ema, xte[i:i + 500], yte[i:i + 500],
                                            torch.Generator().manual_seed(i), args.label_dropout).item()
                                            for i in range(0, 2000, 500)]))
        m["params"] = {"flow": count_params(ema), "classifier": count_params(clf)}
        torch.save({"classifier": clf.state_dict(), "ema": ema.state_dict(), "model": model.state_dict(),
                    "metrics": {k: m[k] for k in ("time", "finalLoss", "params", "flowSteps", "commands", "flowLoad")}}, ckpt)
        log(f"saved {ckpt}")

    # Classifier accuracy and the reference statistics (test set).
    t0 = time.time()
    m["classifierAccuracy"] = classifier_accuracy(clf, xte, yte)
    _, feats = classify(clf, xte)
    ref_mu, ref_cov = feature_stats(feats)
    (out / "fashion-mnist-test-features.json").write_text(json.dumps(
        {"n": len(xte), "dim": int(feats.shape[1]), "source": "classifier.onnx features on the 10,000 Fashion-MNIST test images",
         "mean": ref_mu.tolist(), "cov": ref_cov.tolist()}) + "\n")
    mu_tr, cov_tr = feature_stats(classify(clf, xtr[:10000])[1])
    m["fdRealTrain"] = frechet_distance(mu_tr, cov_tr, ref_mu, ref_cov)
    log(f"classifier test accuracy {m['classifierAccuracy']:.4f}; FD(train 10k vs test) {m['fdRealTrain']:.2f}")

    # Guided samples per w; grids come from the same samples.
    ws = [float(w) for w in args.eval_w.split(",")]
    m["eval"] = []
    for w in ws:
        xs, labels = generate_per_class(ema, args.eval_per_class, w, args.eval_steps, args.eval_solver, seed=7)
        m["eval"].append(evaluate(ema, clf, ref_mu, ref_cov, xs, labels, w, f"{args.eval_solver} {args.eval_steps}"))
        save_grid(xs, labels, f"/tmp/train-grid-w{w:g}.png")
    # Chosen w: the lowest FD among those with >= 90% accuracy (guidance beyond that mostly costs
    # diversity); if none gets there, the most accurate.
    good = [r for r in m["eval"] if r["accuracy"] >= 0.9]
    if good:
        best = min(good, key=lambda r: r["frechetDistance"])
        m["bestWRule"] = "lowest Frechet distance among the w with >= 90% accuracy"
    else:
        best = max(m["eval"], key=lambda r: r["accuracy"])
        m["bestWRule"] = "highest accuracy; no w reached 90%"
    m["bestW"] = best["w"]
    os.replace(f"/tmp/train-grid-w{best['w']:g}.png", "/tmp/train-grid.png")
    # The manifest's default sampler (fewer steps) at the chosen w.
    xs, labels = generate_per_class(ema, args.eval_per_class, best["w"], args.default_steps, "heun", seed=7)
    m["eval"].append(evaluate(ema, clf, ref_mu, ref_cov, xs, labels, best["w"], f"heun {args.default_steps}"))
    save_grid(xs, labels, f"/tmp/train-grid-heun{args.default_steps}.png")
    m["time"]["evaluation"] = time.time() - t0

    # Exports, checks, speed.
    t0 = time.time()
    export_flow(ema, out)
    export_classifier(clf, out)
    write_reference_outputs(ema, out)
    write_manifest(out, best["w"], args.default_steps)
    m["checks"] = check_exports(ema, clf, out)
    ts = torch.jit.load(str(out / "model.pt"))
    m["speed"] = {"eager": {}, "torchscript": {}}
    m["speed"]["load"] = f"{os.getloadavg()[0]:.1f}"
    for b, reps in ((1, 50), (2, 50), (8, 30), (32, 15)):
        m["speed"]["eager"][str(b)] = ms_per_forward(ema, b, reps)
        m["speed"]["torchscript"][str(b)] = ms_per_forward(ts, b, reps)
        log(f"batch {b}: eager {m['speed']['eager'][str(b)]:.2f} ms, torchscript {m['speed']['torchscript'][str(b)]:.2f} ms per forward")
    m["speed"]["load"] += f" to {os.getloadavg()[0]:.1f}"
    m["time"]["export"] = time.time() - t0
    m["time"]["total"] = sum(m["time"][k] for k in ("classifier", "flow", "evaluation", "export"))
    write_training_md(out, args, m)
    (work / "metrics.json").write_text(json.dumps(m, indent=2))
    log(f"done; this invocation took {(time.time() - t_start) / 60:.1f} min; wrote {out}")


if __name__ == "__main__":
    main()
