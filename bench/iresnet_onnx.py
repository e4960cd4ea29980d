"""Writes iresnet-shaped ONNX models with random weights for benchmarks (no torch needed).

The graph follows insightface's iresnet as exported by torch's legacy exporter with BN kept:
stem conv3x3 + BN + PReLU; IBasicBlock = BN, conv3x3, BN, PReLU, conv3x3 (stride), BN
(+ conv1x1/BN downsample), Add; then BN, Flatten, Gemm to the embedding, BN.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LAYERS = {"iresnet50": [3, 4, 14, 3], "iresnet100": [3, 13, 30, 3]}
WIDTHS = [64, 128, 256, 512]


class _Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.weights, self.count = [], [], 0

    def name(self, kind):
        self.count += 1
        return f"{kind}_{self.count}"

    def weight(self, name, shape, scale):
        array = (self.rng.standard_normal(shape, dtype=np.float32) * scale).astype(np.float32)
        self.weights.append(numpy_helper.from_array(array, name))
        return name

    def conv(self, x, cin, cout, k, stride):
        n = self.name("conv")
        w = self.weight(f"{n}.weight", (cout, cin, k, k), (2.0 / (cin * k * k)) ** 0.5)
        self.nodes.append(helper.make_node("Conv", [x, w], [n], name=n, kernel_shape=[k, k],
                                           strides=[stride, stride], pads=[k // 2] * 4))
        return n

    def bn(self, x, c):
        n = self.name("bn")
        scale = self.weight(f"{n}.weight", (c,), 0.1)
        self.weights[-1] = numpy_helper.from_array(1 + numpy_helper.to_array(self.weights[-1]), scale)
        bias = self.weight(f"{n}.bias", (c,), 0.1)
        mean = self.weight(f"{n}.running_mean", (c,), 0.1)
        var = self.weight(f"{n}.running_var", (c,), 0.1)
        self.weights[-1] = numpy_helper.from_array(1 + np.abs(numpy_helper.to_array(self.weights[-1])), var)
        self.nodes.append(helper.make_node("BatchNormalization", [x, scale, bias, mean, var], [n], name=n, epsilon=1e-5))
        return n

    def prelu(self, x, c):
        n = self.name("prelu")
        slope = self.weight(f"{n}.weight", (c, 1, 1), 0.05)
        self.nodes.append(helper.make_node("PRelu", [x, slope], [n], name=n))
        return n


def make_iresnet(layers, embedding=512, seed=0, batch="batch"):
    """An iresnet ModelProto with `layers` blocks per stage."""
    b = _Builder(seed)
    x = b.prelu(b.bn(b.conv("input", 3, 64, 3, 1), 64), 64)
    cin = 64
    for stage, (blocks, width) in enumerate(zip(layers, WIDTHS)):
        for index in range(blocks):
            stride = 2 if index == 0 else 1
            y = b.bn(x, cin)
            y = b.prelu(b.bn(b.conv(y, cin, width, 3, 1), width), width)
            y = b.bn(b.conv(y, width, width, 3, stride), width)
            shortcut = x
            if stride != 1 or cin != width:
                shortcut = b.bn(b.conv(x, cin, width, 1, stride), width)
            add = b.name("add")
            b.nodes.append(helper.make_node("Add", [y, shortcut], [add], name=add))
            x, cin = add, width
    x = b.bn(x, 512)
    b.nodes.append(helper.make_node("Flatten", [x], ["flat"], name="flatten", axis=1))
    fc = b.weight("fc.weight", (embedding, 512 * 7 * 7), (1.0 / (512 * 49)) ** 0.5)
    fcb = b.weight("fc.bias", (embedding,), 0.01)
    b.nodes.append(helper.make_node("Gemm", ["flat", fc, fcb], ["fc"], name="fc", transB=1))
    out = b.bn("fc", embedding)
    b.nodes.append(helper.make_node("Identity", [out], ["embedding"], name="output"))
    graph = helper.make_graph(
        b.nodes, "iresnet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, 112, 112])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [batch, embedding])],
        b.weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="pnconv-bench")
    model.ir_version = 7
    return model


def write_iresnet(path, name="iresnet100", embedding=512, seed=0):
    model = make_iresnet(LAYERS[name], embedding, seed)
    onnx.save(model, path)
    return path
