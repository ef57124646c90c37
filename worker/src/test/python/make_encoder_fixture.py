"""Writes the tiny-latent-img2img fixture: tiny-latent (velocity model on 1x4x4, decoder to 1x8x8) plus an encoder
1x8x8 -> 1x4x4 for image-to-image tests. The encoder is 2x2 average pooling plus 0 * sqrt(mean of the image), so an
image whose mean is negative (mostly dark, on [-1, 1]) really encodes to NaN inside ONNX Runtime, and any other image
encodes to its pooled pixels.

    /usr/bin/python3 worker/src/test/python/make_encoder_fixture.py

Built with Debian's python3-onnx only (no torch); deterministic, the committed files are what it wrote.
"""
import json
import os
import shutil

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "resources", "fixtures")


def encoder():
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 8, 8])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", 1, 4, 4])
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
    nodes = [
        helper.make_node("AveragePool", ["image"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("ReduceMean", ["image"], ["mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Sqrt", ["mean"], ["root"]),  # NaN for a negative mean
        helper.make_node("Mul", ["root", "zero"], ["nan_or_zero"]),
        helper.make_node("Add", ["pooled", "nan_or_zero"], ["z"]),
    ]
    graph = helper.make_graph(nodes, "tiny_encoder", [image], [z], initializer=[zero])
    model = helper.make_model(graph, producer_name="make_encoder_fixture", opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    out = os.path.join(FIXTURES, "tiny-latent-img2img")
    os.makedirs(out, exist_ok=True)
    for f in ("model.onnx", "decoder.onnx"):
        shutil.copy(os.path.join(FIXTURES, "tiny-latent", f), out)
    with open(os.path.join(FIXTURES, "tiny-latent", "flowline-model.json")) as f:
        m = json.load(f)
    m["name"] = "tiny-latent-img2img"
    m["description"] = ("Test fixture: tiny-latent with an encoder (2x2 average pooling) that returns NaN for an image"
                        " with a negative mean")
    m["encoder"] = {"engine": "OnnxRuntime", "file": "encoder.onnx", "input": "image", "output": "z",
                    "inputShape": [1, 8, 8], "outputShape": [1, 4, 4], "valueRange": [-1.0, 1.0]}
    with open(os.path.join(out, "flowline-model.json"), "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    onnx.save(encoder(), os.path.join(out, "encoder.onnx"))


if __name__ == "__main__":
    main()
