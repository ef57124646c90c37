"""Generates the tiny classifier fixture used by the dev.flowline.bench tests.

Run from the repository root with Debian's Python (it has torch 1.13 and onnx; a pyenv python3 on PATH does not):

    /usr/bin/python3 worker/src/test/python/make_bench_fixtures.py

It writes worker/src/test/resources/fixtures/bench-classifier/:

  classifier.onnx        a seeded, untrained CNN on [B, 1, 4, 4] with the demo classifier's interface: input `x`,
                         outputs `logits` [B, 10] and `features` [B, 8] (ONNX opset 17, dynamic batch)
  reference-features.json  {n, dim, mean, cov} of its features over 2,000 seeded N(0, 0.5^2) inputs, in the layout of
                         the demo model's fashion-mnist-test-features.json

The point is the engine round trip and the file formats, not a useful classifier.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261123
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "bench-classifier")


class TinyClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(64, 8)
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        features = F.relu(self.fc(torch.tanh(self.conv(x)).flatten(1)))
        return self.head(features), features


def main():
    torch.manual_seed(SEED)
    clf = TinyClassifier().eval()
    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(clf, (torch.randn(2, 1, 4, 4),), os.path.join(OUT, "classifier.onnx"), opset_version=17,
                      input_names=["x"], output_names=["logits", "features"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}})
    with torch.no_grad():
        x = 0.5 * torch.randn(2000, 1, 4, 4, generator=torch.Generator().manual_seed(SEED + 1))
        _, feats = clf(x)
    f = feats.double().numpy()
    doc = {"n": len(f), "dim": int(f.shape[1]), "source": "make_bench_fixtures.py: features of 2,000 seeded N(0, 0.25) inputs",
           "mean": f.mean(0).tolist(), "cov": np.cov(f, rowvar=False).tolist()}
    with open(os.path.join(OUT, "reference-features.json"), "w") as fh:
        fh.write(json.dumps(doc) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
