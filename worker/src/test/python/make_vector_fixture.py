"""Writes the tiny-vector fixture: a vector-conditioned velocity model on 1x4x4 samples whose input "vector" takes 3
floats per row, with a null vector for classifier-free guidance. The model is linear in the vector,
v(x, t, c) = reshape(c·W) − x + 0·t, so a guided velocity v_u + w·(v_c − v_u) equals the plain velocity at the vector
n + w·(c − n): the tests check guidance against that without any mock.

    /usr/bin/python3 worker/src/test/python/make_vector_fixture.py

Built with Debian's python3-onnx only (no torch); W is a fixed pattern, the committed files are what it wrote.
"""
import json
import math
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "fixtures", "tiny-vector")
DIM = 3


def model():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 4, 4])
    t = helper.make_tensor_value_info("t", TensorProto.FLOAT, ["batch"])
    vec = helper.make_tensor_value_info("vector", TensorProto.FLOAT, ["batch", DIM])
    v = helper.make_tensor_value_info("v", TensorProto.FLOAT, ["batch", 1, 4, 4])
    w = [round(math.sin(1.3 * i + 0.4), 4) for i in range(DIM * 16)]
    inits = [
        helper.make_tensor("W", TensorProto.FLOAT, [DIM, 16], w),
        helper.make_tensor("sample_shape", TensorProto.INT64, [4], [-1, 1, 4, 4]),
        helper.make_tensor("time_shape", TensorProto.INT64, [4], [-1, 1, 1, 1]),
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
    ]
    nodes = [
        helper.make_node("MatMul", ["vector", "W"], ["cw"]),
        helper.make_node("Reshape", ["cw", "sample_shape"], ["target"]),
        helper.make_node("Sub", ["target", "x"], ["pull"]),
        helper.make_node("Reshape", ["t", "time_shape"], ["t4"]),
        helper.make_node("Mul", ["t4", "zero"], ["no_time"]),  # t is an input of every model; this one ignores it
        helper.make_node("Add", ["pull", "no_time"], ["v"]),
    ]
    graph = helper.make_graph(nodes, "tiny_vector", [x, t, vec], [v], initializer=inits)
    m = helper.make_model(graph, producer_name="make_vector_fixture", opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {
        "name": "tiny-vector",
        "version": "1",
        "description": "Test fixture: a velocity model on [1, 4, 4] samples, linear in a 3-float conditioning vector",
        "engine": "OnnxRuntime",
        "file": "model.onnx",
        "inputs": {"x": "x", "t": "t", "vector": "vector"},
        "output": "v",
        "sampleShape": [1, 4, 4],
        "valueRange": [-1.0, 1.0],
        "time": {"direction": "noise_to_data", "scale": 1.0},
        "conditioning": {"type": "vector", "dim": DIM, "nullVector": [0.1, -0.2, 0.05]},
        "defaultSampler": {"solver": "heun", "steps": 4, "guidanceScale": 1.0},
        "batchSizeHint": 8,
    }
    with open(os.path.join(OUT, "flowline-model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    onnx.save(model(), os.path.join(OUT, "model.onnx"))


if __name__ == "__main__":
    main()
