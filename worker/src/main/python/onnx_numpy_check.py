"""A tiny numpy interpreter for the ONNX operators that Flowline's demo exports use.

Why: ONNX Runtime is not installed for Python on the build machines, and onnx 1.12 has no reference
evaluator, yet the exported graph itself (not just the torch model) should be checked before the Java
side ever loads it: a batch size baked into a Reshape, a wrong Resize mode or a lost input shows up
here as a shape error or a mismatch. Only what the exports need is implemented; anything else raises.

    /usr/bin/python3 onnx_numpy_check.py model.onnx    # runs it on random input at batch 1 and 3
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, a):
    assert a.get("group", 1) == 1 and all(d == 1 for d in a.get("dilations", [1, 1]))
    kh, kw = w.shape[2:]
    sh, sw = a.get("strides", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    n, c, h, wd = x.shape
    oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
    s = x.strides
    cols = np.lib.stride_tricks.as_strided(x, (n, c, kh, kw, oh, ow), (s[0], s[1], s[2], s[3], s[2] * sh, s[3] * sw))
    y = np.einsum("nckloq,fckl->nfoq", cols, w, optimize=True)
    return y + (b[None, :, None, None] if b is not None else 0)


def _maxpool(x, a):
    k, st = a["kernel_shape"], a.get("strides", a["kernel_shape"])
    assert k == st and not any(a.get("pads", [0])), "only non-overlapping pools without padding"
    n, c, h, w = x.shape
    x = x[:, :, :h // k[0] * k[0], :w // k[1] * k[1]]
    return x.reshape(n, c, h // k[0], k[0], w // k[1], k[1]).max(axis=(3, 5))


def _resize(x, scales, sizes, a):
    assert a.get("mode", b"nearest") in (b"nearest", "nearest")
    if sizes is None or sizes.size == 0:
        sizes = np.floor(np.array(x.shape) * scales).astype(np.int64)
    for axis, size in enumerate(sizes):
        if size != x.shape[axis]:
            assert size % x.shape[axis] == 0, "only integer nearest upsampling"
            x = np.repeat(x, size // x.shape[axis], axis=axis)
    return x


def _slice(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    idx = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        idx[int(ax)] = slice(int(s), int(min(e, 2 ** 62)), int(st))
    return x[tuple(idx)]


def _gemm(a_, b_, c_, a):
    if a.get("transA", 0):
        a_ = a_.T
    if a.get("transB", 0):
        b_ = b_.T
    return a.get("alpha", 1.0) * a_ @ b_ + (a.get("beta", 1.0) * c_ if c_ is not None else 0)


def _instance_norm(x, scale, bias, a):
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * scale.reshape(shape) + bias.reshape(shape)


def _reshape(x, shape):
    shape = [x.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)]
    return x.reshape(shape)


OPS = {
    "Identity": lambda a, x: x,
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": lambda a, x, y: (x // y) if np.issubdtype(x.dtype, np.integer) else x / y,
    "Sigmoid": lambda a, x: 1 / (1 + np.exp(-x)),
    "Relu": lambda a, x: np.maximum(x, 0),
    "Tanh": lambda a, x: np.tanh(x),
    "Sin": lambda a, x: np.sin(x),
    "Cos": lambda a, x: np.cos(x),
    "Shape": lambda a, x: np.array(x.shape, dtype=np.int64),
    "Gather": lambda a, x, i: np.take(x, i, axis=a.get("axis", 0)),
    "Unsqueeze": lambda a, x, axes: np.expand_dims(x, tuple(int(v) % (x.ndim + len(axes)) for v in axes)),
    "Concat": lambda a, *xs: np.concatenate(xs, axis=a["axis"]),
    "Reshape": lambda a, x, s: _reshape(x, s),
    "Flatten": lambda a, x: x.reshape(int(np.prod(x.shape[:a.get("axis", 1)])), -1),
    "Cast": lambda a, x: x.astype(onnx.helper.tensor_dtype_to_np_dtype(a["to"])),
    "Slice": lambda a, x, *r: _slice(x, *r),
    "Gemm": lambda a, x, w, b=None: _gemm(x, w, b, a),
    "MatMul": lambda a, x, y: x @ y,
    "Conv": lambda a, x, w, b=None: _conv(x, w, b, a),
    "MaxPool": lambda a, x: _maxpool(x, a),
    "InstanceNormalization": lambda a, x, s, b: _instance_norm(x, s, b, a),
    "Resize": lambda a, x, roi=None, scales=None, sizes=None: _resize(x, scales, sizes, a),
}


def run(path, feeds):
    """Evaluate the graph at `path` on numpy `feeds`; returns the outputs in graph order (float64 maths
    on float32 weights, so small differences to torch are expected)."""
    model = onnx.load(path)
    g = model.graph
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for inp in g.input:
        if inp.name in env:
            continue
        if inp.name not in feeds:
            raise KeyError(f"missing input {inp.name}")
        env[inp.name] = feeds[inp.name]
    for node in g.node:
        a = _attrs(node)
        if node.op_type == "Constant":
            env[node.output[0]] = numpy_helper.to_array(a["value"])
            continue
        if node.op_type not in OPS:
            raise NotImplementedError(f"op {node.op_type} ({node.name})")
        args = [env[i] if i else None for i in node.input]
        outs = OPS[node.op_type](a, *args)
        for name, val in zip(node.output, outs if isinstance(outs, tuple) else (outs,)):
            env[name] = np.asarray(val)
    return [env[o.name] for o in g.output]


if __name__ == "__main__":
    m = onnx.load(sys.argv[1])
    for b in (1, 3):
        rng = np.random.default_rng(b)
        feeds = {}
        for inp in m.graph.input:
            dims = [b if (d.dim_param or not d.dim_value) else d.dim_value for d in inp.type.tensor_type.shape.dim]
            if inp.type.tensor_type.elem_type == onnx.TensorProto.INT64:
                feeds[inp.name] = rng.integers(0, 10, dims).astype(np.int64)
            else:
                feeds[inp.name] = rng.standard_normal(dims).astype(np.float32) if len(dims) > 1 else rng.random(dims).astype(np.float32)
        print(b, [(o.name, v.shape) for o, v in zip(m.graph.output, run(sys.argv[1], feeds))])
