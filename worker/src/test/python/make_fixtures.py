"""Generates the tiny velocity-net fixtures used by the dev.flowline.model tests.

Run from the repository root with Debian's Python (it has torch 1.13 and onnx; a pyenv python3 on PATH does not):

    /usr/bin/python3 worker/src/test/python/make_fixtures.py

It writes, for each fixture directory under worker/src/test/resources/fixtures/:

  tiny/                 a class-conditional net on samples of shape [1, 4, 4] (3 classes + null class 3)
      model.onnx        ONNX opset 17, dynamic batch axis on every input and the output
      model.pt          TorchScript (traced) of the same weights
      flowline-model.json
      expected.json     inputs (Flowline convention: label -1 = unconditional) and the outputs torch computed
  tiny-flat-output/     the same net returning v flattened to [batch, 16]: a model whose output shape
                        does not match its manifest, for the registry's load-time probe

Everything is seeded, so reruns produce the same numbers (the files may differ byte-wise between torch versions).
The nets are a few hundred parameters: the point is a real engine round trip, not a useful model.
"""
import json
import os

import torch
import torch.nn as nn

SEED = 20261122
NUM_CLASSES = 3
NULL_CLASS = NUM_CLASSES
SHAPE = [1, 4, 4]
DIM = 16
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")


class TinyVelocityNet(nn.Module):
    """v(x, t, label): conv features modulated by a time and class embedding, plus a dense skip over the
    flattened sample (the dense layer pins the sample shape, so a manifest with the wrong shape fails)."""

    def __init__(self, flat_output=False):
        super().__init__()
        self.flat_output = flat_output
        self.conv_in = nn.Conv2d(1, 8, 3, padding=1)
        self.time = nn.Linear(6, 8)
        self.label = nn.Embedding(NUM_CLASSES + 1, 8)
        self.conv_out = nn.Conv2d(8, 1, 3, padding=1)
        self.dense = nn.Linear(DIM, DIM)

    def forward(self, x, t, label):
        # Frequencies low enough that t in [0, 1000] (a data_to_noise model with scale 1000) stays well defined.
        tt = t[:, None]
        tf = torch.cat([torch.sin(tt * 1.3), torch.cos(tt * 1.3), torch.sin(tt * 0.01), torch.cos(tt * 0.01),
                        tt * 0.5, torch.sin(tt * 7.0)], dim=1)
        cond = self.time(tf) + self.label(label)
        h = torch.tanh(self.conv_in(x) + cond[:, :, None, None])
        v = self.conv_out(h) + self.dense(x.flatten(1)).view(-1, 1, 4, 4)
        if self.flat_output:
            return v.flatten(1)
        return v


def manifest(name, description):
    return {
        "name": name,
        "version": "1",
        "description": description,
        "engine": "OnnxRuntime",
        "file": "model.onnx",
        "alternatives": {"PyTorch": "model.pt"},
        "inputs": {"x": "x", "t": "t", "label": "label"},
        "output": "v",
        "labelType": "int64",
        "sampleShape": SHAPE,
        "valueRange": [-1.0, 1.0],
        "image": {"channels": 1, "height": 4, "width": 4},
        "time": {"direction": "noise_to_data", "scale": 1.0},
        "conditioning": {"type": "class", "numClasses": NUM_CLASSES, "nullClass": NULL_CLASS,
                         "classNames": ["zero", "one", "two"]},
        "defaultSampler": {"solver": "heun", "steps": 4, "guidanceScale": 1.5},
        "schedules": {"uniform-4": [0.0, 0.25, 0.5, 0.75, 1.0]},
        "batchSizeHint": 8,
    }


def export(net, directory, name, description):
    os.makedirs(directory, exist_ok=True)
    example = (torch.zeros(2, *SHAPE), torch.zeros(2), torch.zeros(2, dtype=torch.long))
    torch.onnx.export(net, example, os.path.join(directory, "model.onnx"), opset_version=17,
                      input_names=["x", "t", "label"], output_names=["v"],
                      dynamic_axes={"x": {0: "batch"}, "t": {0: "batch"}, "label": {0: "batch"}, "v": {0: "batch"}})
    traced = torch.jit.trace(net, example)
    traced.save(os.path.join(directory, "model.pt"))
    with open(os.path.join(directory, "flowline-model.json"), "w") as f:
        json.dump(manifest(name, description), f, indent=2)
        f.write("\n")
    return traced


def main():
    torch.manual_seed(SEED)
    net = TinyVelocityNet().eval()
    with torch.no_grad():
        traced = export(net, os.path.join(ROOT, "tiny"), "tiny",
                        "Test fixture: a seeded few-hundred-parameter velocity net on [1, 4, 4] samples")

        # Inputs in Flowline's convention; the model sees the null class where the label is -1.
        gen = torch.Generator().manual_seed(SEED + 1)
        rows = 5
        x = torch.randn(rows, *SHAPE, generator=gen)
        t = torch.tensor([0.0, 0.25, 0.5, 0.9, 1.0])
        flowline_labels = [0, 1, 2, -1, 1]
        model_labels = torch.tensor([NULL_CLASS if c < 0 else c for c in flowline_labels], dtype=torch.long)
        v = net(x, t, model_labels)
        # Batch-size independence of the traced graph (trace happened at batch 2).
        assert torch.allclose(traced(x, t, model_labels), v, atol=1e-6)
        with open(os.path.join(ROOT, "tiny", "expected.json"), "w") as f:
            json.dump({"rows": rows, "sampleShape": SHAPE,
                       "x": [float(a) for a in x.flatten()],
                       "t": [float(a) for a in t],
                       "labels": flowline_labels,
                       "v": [float(a) for a in v.flatten()]}, f, indent=1)
            f.write("\n")

        flat = TinyVelocityNet(flat_output=True).eval()
        flat.load_state_dict(net.state_dict())
        export(flat, os.path.join(ROOT, "tiny-flat-output"), "tiny-flat-output",
               "Test fixture: returns v flattened to [batch, 16], which does not match its sampleShape")
        os.remove(os.path.join(ROOT, "tiny-flat-output", "model.pt"))
        with open(os.path.join(ROOT, "tiny-flat-output", "flowline-model.json")) as f:
            m = json.load(f)
        del m["alternatives"]
        with open(os.path.join(ROOT, "tiny-flat-output", "flowline-model.json"), "w") as f:
            json.dump(m, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
