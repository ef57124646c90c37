"""Writes the tiny-latent fixture: the tiny velocity model (sample shape 1x4x4) with a decoder 1x4x4 -> 1x8x8, and
tiny-latent-batch2: the same with a decoder exported with a fixed batch axis of 2. Its load probe (a batch of 2)
passes and any other decode call fails inside ONNX Runtime: a real decoder failure for the decode stage's tests.
And tiny-latent-nan: the same decoder plus 0 * sqrt(mean of the latent), so a latent whose mean is negative decodes
to NaN (a real non-finite output, row by row) and any other decodes as tiny-latent's decoder does.

    /usr/bin/python3 worker/src/test/python/make_latent_fixtures.py

Deterministic (seeded); the committed files are what it wrote. The decoder is a random convolutional net, tanh
output in [-1, 1]: enough to test the decode stage's loading, batching and shapes.
"""
import json
import os
import shutil

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "resources", "fixtures")


class TinyDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.SiLU(), nn.Upsample(scale_factor=2.0, mode="nearest"),
                                 nn.Conv2d(4, 1, 3, padding=1), nn.Tanh())

    def forward(self, z):
        return self.net(z)


def main():
    torch.manual_seed(16)
    out = os.path.join(FIXTURES, "tiny-latent")
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(FIXTURES, "tiny", "model.onnx"), out)
    with open(os.path.join(FIXTURES, "tiny", "flowline-model.json")) as f:
        m = json.load(f)
    m["name"] = "tiny-latent"
    m["alternatives"] = {}
    m.pop("image", None)
    m["decoder"] = {"engine": "OnnxRuntime", "file": "decoder.onnx", "input": "z", "output": "image",
                    "inputShape": [1, 4, 4], "outputShape": [1, 8, 8], "valueRange": [-1.0, 1.0]}
    with open(os.path.join(out, "flowline-model.json"), "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    dec = TinyDecoder().eval()
    torch.onnx.export(dec, (torch.randn(2, 1, 4, 4),), os.path.join(out, "decoder.onnx"), opset_version=17,
                      input_names=["z"], output_names=["image"],
                      dynamic_axes={"z": {0: "batch"}, "image": {0: "batch"}})


def fixed_batch():
    torch.manual_seed(16)
    out = os.path.join(FIXTURES, "tiny-latent-batch2")
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(FIXTURES, "tiny-latent", "model.onnx"), out)
    with open(os.path.join(FIXTURES, "tiny-latent", "flowline-model.json")) as f:
        m = json.load(f)
    m["name"] = "tiny-latent-batch2"
    m["description"] = "Test fixture: tiny-latent whose decoder only takes batches of exactly 2"
    with open(os.path.join(out, "flowline-model.json"), "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    dec = TinyDecoder().eval()
    torch.onnx.export(dec, (torch.randn(2, 1, 4, 4),), os.path.join(out, "decoder.onnx"), opset_version=17,
                      input_names=["z"], output_names=["image"])  # no dynamic axes: batch fixed at 2


class NanDecoder(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, z):
        return self.inner(z) + 0.0 * torch.sqrt(z.mean(dim=(1, 2, 3), keepdim=True))


def nan_rows():
    torch.manual_seed(16)
    out = os.path.join(FIXTURES, "tiny-latent-nan")
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(FIXTURES, "tiny-latent", "model.onnx"), out)
    with open(os.path.join(FIXTURES, "tiny-latent", "flowline-model.json")) as f:
        m = json.load(f)
    m["name"] = "tiny-latent-nan"
    m["description"] = "Test fixture: tiny-latent whose decoder returns NaN for a latent with a negative mean"
    with open(os.path.join(out, "flowline-model.json"), "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    dec = NanDecoder(TinyDecoder()).eval()
    # the probe at load decodes zeros: mean 0, sqrt(0) = 0, finite
    torch.onnx.export(dec, (torch.randn(2, 1, 4, 4),), os.path.join(out, "decoder.onnx"), opset_version=17,
                      input_names=["z"], output_names=["image"],
                      dynamic_axes={"z": {0: "batch"}, "image": {0: "batch"}})


if __name__ == "__main__":
    main()
    fixed_batch()
    nan_rows()
