"""Independent re-implementation of the ONNX preprocessing hls4ml 1.3.0's frontend expects,
written from firmware-sim/HLS4ML-FRONTEND.md §1 (not from qonnx code), to check that the
spec is complete: it must produce the same node names, op order, tensor names and
initialiser names as

    qonnx cleanup_model -> ConvertToChannelsLastAndClean -> GemmToMatMul -> cleanup_model

(qonnx 1.0.0) on graphs of rank-2 tensors (no Conv / MaxPool / BatchNormalization on rank > 2,
where the channels-last conversion would insert Transposes). Only onnx + numpy are used; the
values of folded nodes are computed with onnx.reference (the Swift side uses its own ops).

    python3 firmware-sim/type-oracle/preprocess_ref.py MODEL.onnx      # print the cleaned graph
"""

from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

EXCLUDE_FOLD_CLEANUP = {"Quant", "BipolarQuant", "QuantizeLinear", "DequantizeLinear"}
COMMUTATIVE = {"Add", "Mul", "And", "Or", "Xor", "Sum"}


class Graph:
    """nodes: list of NodeProto (order matters); inits: name -> ndarray; inputs/outputs: ValueInfo lists."""

    def __init__(self, model: onnx.ModelProto):
        self.model = onnx.ModelProto.FromString(model.SerializeToString())
        g = self.model.graph
        self.nodes = [n for n in g.node]
        self.inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.inputs = [i for i in g.input]
        self.outputs = [o for o in g.output]
        self.opset = next((o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")), 13)
        self._fresh = 0

    # -- helpers
    def fresh(self):
        self._fresh += 1
        return f"__ref_tensor_{self._fresh}"

    def producer(self, t):
        for n in self.nodes:            # the first producer in list order
            if t in n.output:
                return n
        return None

    def consumers(self, t):
        return [n for n in self.nodes if t in n.input]

    def input_names(self):
        return [i.name for i in self.inputs]

    # -- the "post" sequence run after every transformation step (§1.2)
    def post(self):
        self.remove_unused_inits()
        self.remove_static_inputs()
        self.level_sort()
        self.commutative_initializer_last()
        self.unique_params()

    def remove_unused_inits(self):
        used = {t for n in self.nodes for t in list(n.input) + list(n.output)}
        self.inits = {k: v for k, v in self.inits.items() if k in used}

    def remove_static_inputs(self):
        self.inputs = [i for i in self.inputs if i.name not in self.inits]

    def level_sort(self):
        if len(self.nodes) == 1:
            return
        idx = {id(n): i for i, n in enumerate(self.nodes)}
        gin = set(self.input_names())
        deps = {}
        for i, n in enumerate(self.nodes):
            preds = [self.producer(t) for t in n.input]
            preds = [p for p in preds if p is not None]
            if not preds:
                if any(t in self.inits or t in gin for t in n.input):
                    deps[i] = set()
                continue            # a node with no inputs / only unknown inputs is dropped
            deps[i] = {idx[id(p)] for p in preds}
        for d in list(deps.values()):   # predecessors that are not keys become level-0 items
            for j in d:
                deps.setdefault(j, set())
        order = []
        while deps:
            level = sorted(k for k, d in deps.items() if not (d - {k}))
            if not level:
                raise RuntimeError("cycle")
            order += level
            deps = {k: d - set(level) for k, d in deps.items() if k not in level}
        self.nodes = [self.nodes[i] for i in order]

    def commutative_initializer_last(self):
        for n in self.nodes:
            if n.op_type in COMMUTATIVE:
                dyn = [t for t in n.input if t not in self.inits]
                ini = [t for t in n.input if t in self.inits]
                new = dyn + ini
                for k, t in enumerate(new):
                    n.input[k] = t

    def unique_params(self):
        seen = set()
        for n in self.nodes:
            for k, t in enumerate(list(n.input)):
                if t not in self.inits:
                    continue
                if t not in seen:
                    seen.add(t)
                    continue
                new = self.fresh()
                self.inits[new] = self.inits[t].copy()
                n.input[k] = new

    # -- constant folding (§1.3)
    def _eval(self, n):
        from onnx.reference import ReferenceEvaluator

        ins = [helper.make_tensor_value_info(t, onnx.TensorProto.UNDEFINED, None) for t in n.input if t]
        outs = [helper.make_tensor_value_info(t, onnx.TensorProto.UNDEFINED, None) for t in n.output]
        g = helper.make_graph([n], "fold", ins, outs)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", self.opset)])
        res = ReferenceEvaluator(m).run(None, {t: self.inits[t] for t in n.input if t})
        return np.asarray(res[0])

    def fold_constants(self, exclude):
        changed = False
        while True:
            for n in self.nodes:
                if n.op_type in exclude:
                    continue
                if len(n.input) == 0 or all(t in self.inits for t in n.input):
                    break
                if n.op_type == "Shape":
                    raise NotImplementedError("Shape folding needs shape inference (not needed by the zoo)")
            else:
                break
            self.inits[n.output[0]] = self._eval(n)
            self.nodes.remove(n)
            self.post()
            changed = True
        return changed

    # -- RemoveIdentityOps (only run from inside the Gemm expansion, §1.4)
    def _is_fork(self, n):
        succ = [c for o in n.output for c in self.consumers(o)]
        if n.output[0] in [o.name for o in self.outputs]:
            return len(succ) > 0
        return len(succ) > 1

    def _is_join(self, n):
        preds = [p for p in (self.producer(t) for t in n.input) if p is not None]
        if n.input[0] in self.input_names():
            return len(preds) > 0
        return len(preds) > 1

    def _remove_and_rewire(self, n):
        if self._is_join(n):
            raise RuntimeError("qonnx would loop forever: identity join node")
        prod = self.producer(n.input[0])
        if prod is not None and not self._is_fork(prod):
            prod.output[0] = n.output[0]
        else:
            succ = [c for o in n.output for c in self.consumers(o)]
            assert succ, "Whole graph is one node."
            for s in succ:
                for k, t in enumerate(s.input):
                    if t == n.output[0]:
                        s.input[k] = n.input[0]
        self.nodes.remove(n)

    def remove_identity_ops(self, atol=1e-5):
        while True:
            hit = None
            for n in self.nodes:
                op = n.op_type
                if op in ("Add", "Sub", "Mul", "Div"):
                    a = self.inits.get(n.input[1]) if len(n.input) > 1 else None
                    target = 0.0 if op in ("Add", "Sub") else 1.0
                    if a is not None and np.isclose(a, np.full_like(a, target), atol=atol).all():
                        hit = n
                elif op == "Identity":
                    hit = n
                elif op == "Dropout":
                    if self.opset < 12:
                        r = [a for a in n.attribute if a.name == "ratio"]
                        cond = bool(r) and r[0].f == 0
                    else:
                        cond = len(n.input) == 1 or (n.input[1] in self.inits and self.inits[n.input[1]] == 0)
                    if cond:
                        hit = n
                elif op == "Pad":
                    raise NotImplementedError("Pad")
                if hit is not None:
                    break
            if hit is None:
                break
            self._remove_and_rewire(hit)
            self.post()
        self.post()

    # -- GemmToMatMul (§1.4)
    def gemm_to_matmul(self):
        while True:
            gemm = next((n for n in self.nodes if n.op_type == "Gemm"), None)
            if gemm is None:
                break
            at = {a.name: helper.get_attribute_value(a) for a in gemm.attribute}
            a_in, b_in = gemm.input[0], gemm.input[1]
            c_in = gemm.input[2]          # a Gemm without C fails in qonnx (IndexError)
            new = []
            if at.get("transA", 0):
                t = self.fresh()
                new.append(helper.make_node("Transpose", [a_in], [t]))
                a_in = t
            if at.get("transB", 0):
                t = self.fresh()
                new.append(helper.make_node("Transpose", [b_in], [t]))
                b_in = t
            mm_out, alpha_t, beta_t, c_out, add_in = (self.fresh() for _ in range(5))
            self.inits[alpha_t] = np.array(float(at.get("alpha", 1.0)))      # float64 0-d
            self.inits[beta_t] = np.array(float(at.get("beta", 1.0)))
            new.append(helper.make_node("MatMul", [a_in, b_in], [mm_out]))
            new.append(helper.make_node("Mul", [mm_out, alpha_t], [add_in]))
            new.append(helper.make_node("Mul", [c_in, beta_t], [c_out]))
            new.append(helper.make_node("Add", [add_in, c_out], [gemm.output[0]]))
            i = self.nodes.index(gemm)
            self.nodes[i:i + 1] = new
            self.remove_identity_ops()
            self.post()

    # -- names (§1.5)
    def unique_node_names(self):
        count = {}
        for n in self.nodes:
            k = count.get(n.op_type, 0)
            n.name = f"{n.op_type}_{k}"
            count[n.op_type] = k + 1

    def rename_tensor(self, old, new):
        for vi in self.inputs + self.outputs:
            if vi.name == old:
                vi.name = new
        if old in self.inits:
            self.inits = {(new if k == old else k): v for k, v in self.inits.items()}
        for n in self.nodes:
            if old in n.input:
                n.input[list(n.input).index(old)] = new     # first occurrence only (qonnx behaviour)
            if old in n.output:
                n.output[list(n.output).index(old)] = new

    def readable_tensor_names(self):
        # first every tensor gets a unique temporary name, so that the new names cannot collide
        # with names left over from an earlier pass
        names = []
        for t in [vi.name for vi in self.inputs + self.outputs] + list(self.inits) + \
                [t for n in self.nodes for t in list(n.input) + list(n.output)]:
            if t and t not in names:
                names.append(t)
        for t in names:
            self.rename_tensor(t, self.fresh())
        for n in self.nodes:
            for j, o in enumerate(list(n.output)):
                self.rename_tensor(o, f"{n.name}_out{j}")
            k = 0
            for t in list(n.input):
                if t in self.inits:
                    self.rename_tensor(t, f"{n.name}_param{k}")
                    k += 1
        for i, vi in enumerate(list(self.inputs)):
            self.rename_tensor(vi.name, "global_in" if i == 0 else f"global_in_{i}")
        for i, vi in enumerate(list(self.outputs)):
            self.rename_tensor(vi.name, "global_out" if i == 0 else f"global_out_{i}")

    def cleanup_model(self):
        self.post()                                   # InferShapes (+post)
        self.unique_params(); self.post()             # GiveUniqueParameterTensors (+post)
        self.fold_constants(EXCLUDE_FOLD_CLEANUP); self.post()
        self.post()                                   # FoldTransposeIntoQuantInit (no-op here)
        self.remove_unused_inits(); self.post()
        self.remove_static_inputs(); self.post()
        self.unique_node_names(); self.post()
        self.readable_tensor_names(); self.post()

    def check_rank2(self):
        for n in self.nodes:
            if n.op_type in ("Conv", "MaxPool", "Transpose"):
                raise NotImplementedError(f"{n.op_type}: channels-last conversion not modelled")


def preprocess(model: onnx.ModelProto) -> Graph:
    g = Graph(model)
    g.cleanup_model()
    g.check_rank2()
    g.fold_constants({"Quant", "BipolarQuant"}); g.post()      # ConvertToChannelsLastAndClean on rank 2
    g.gemm_to_matmul(); g.post()
    g.cleanup_model()
    return g


def summary(nodes, inits, inputs, outputs):
    return {
        "nodes": [[n.name, n.op_type, list(n.input), list(n.output)] for n in nodes],
        "initializers": sorted(inits),
        "inputs": list(inputs),
        "outputs": list(outputs),
    }


def summary_of_graph(g: Graph):
    return summary(g.nodes, g.inits, [i.name for i in g.inputs], [o.name for o in g.outputs])


def summary_of_model(m: onnx.ModelProto):
    return summary(m.graph.node, {t.name for t in m.graph.initializer}, [i.name for i in m.graph.input],
                   [o.name for o in m.graph.output])


if __name__ == "__main__":
    import json

    g = preprocess(onnx.load(sys.argv[1]))
    print(json.dumps(summary_of_graph(g), indent=1))
