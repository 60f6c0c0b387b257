"""firmware-sim library: the hls4ml 1.3.0 reference flow trigrt is compared against.

Pieces (used by csim_goldens.py and shared_models.py):

- `clean_model`: the ONNX preprocessing hls4ml's ONNX frontend needs (qonnx cleanup_model,
  ConvertToChannelsLastAndClean, GemmToMatMul, cleanup_model), plus a map from every cleaned
  node back to the node(s) of the original export.
- `convert`: hls4ml conversion (Vivado backend, io_parallel, Latency) with a log of which
  optimizer pass fused / renamed / removed which layer, so the generated layers can be traced
  back to ONNX nodes.
- `build`: write + compile the C simulation into a content-addressed cache directory and load
  it (reused when present).
- `summarize_project`: parse the generated firmware/defines.h, parameters.h and myproject.cpp
  into a per-layer description of the exact types hls4ml generated.
- `stress_inputs`: deterministic input rows (realistic rows from the zoo's samplers plus rows
  that overflow, saturate, sit on rounding ties, are zero or negative).
- `native_time`: time the compiled csim called natively (a small C program that dlopens the
  project's .so) and check it gives the same bits as hls4ml's predict.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
FWSIM = os.path.dirname(HERE)
REPO = os.path.dirname(FWSIM)
MODELS_DIR = os.path.join(REPO, "Models")

BACKEND = "Vivado"
IO_TYPE = "io_parallel"
PROJECT = "myproject"
# Bump when the way a project is produced changes (invalidates cached builds).
RECIPE_VERSION = 1


def default_cache_root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "trigrt", "fwsim")


@contextlib.contextmanager
def quiet(log_path: str | None = None):
    """hls4ml and qonnx print a lot; capture it (into log_path when given)."""
    buf = io.StringIO()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            try:
                yield buf
            finally:
                if log_path:
                    with open(log_path, "a") as f:
                        f.write(buf.getvalue())


# ------------------------------------------------------------------------- preprocessing

PREPROCESSING = [
    "qonnx.util.cleanup.cleanup_model",
    "qonnx.transformation.channels_last.ConvertToChannelsLastAndClean",
    "qonnx.transformation.gemm_to_matmul.GemmToMatMul",
    "qonnx.util.cleanup.cleanup_model",
]


# qonnx 1.0.0's ConvertToChannelsLast rewrites only Conv, MaxPool and BatchNormalization, so an
# AveragePool stays channels-first between Transposes and hls4ml's parse_pool_layer raises
# ("Please convert the model to channels-last format"), although the same handler builds a
# Pooling2D with pool_op Average from a channels-last AveragePool. For models with an AveragePool
# the preprocessing therefore adds one step: each 2-D AveragePool (ceil_mode 0, no dilations)
# goes through qonnx's conversion as a MaxPool stand-in with the same kernel, strides and pads
# (qonnx's MaxPool rule: the node moves into the channels-last domain and qonnx moves the
# Transposes), then the node is made an AveragePool again (its count_include_pad restored) and
# qonnx's own GiveUniqueNodeNames / GiveReadableTensorNames rename the graph. The result is the
# graph qonnx would write if it treated AveragePool like MaxPool; everything else is unchanged.
AVERAGE_POOL_STEP = ("fwsim.average_pool_as_channels_last: around the steps above, each AveragePool is a MaxPool "
                     "stand-in (qonnx's channels-last MaxPool rule), then an AveragePool again, renamed by qonnx's "
                     "GiveUniqueNodeNames + GiveReadableTensorNames")
_AVG_MARK = "trigrt-fwsim:AveragePool"


def has_average_pool(model: onnx.ModelProto) -> bool:
    return any(n.op_type == "AveragePool" and n.domain in ("", "ai.onnx") for n in model.graph.node)


def _average_pool_to_stand_in(model: onnx.ModelProto) -> onnx.ModelProto:
    model = onnx.ModelProto.FromString(model.SerializeToString())
    for n in model.graph.node:
        if n.op_type != "AveragePool" or n.domain not in ("", "ai.onnx"):
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if attrs.get("ceil_mode", 0) != 0 or any(d != 1 for d in attrs.get("dilations", [])) or \
                attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET") or len(attrs.get("kernel_shape", [])) != 2:
            raise SystemExit(f"{n.name}: only 2-D AveragePool without ceil_mode, dilations or auto_pad is converted")
        keep = [a for a in n.attribute if a.name != "count_include_pad"]
        n.op_type = "MaxPool"
        n.doc_string = f"{_AVG_MARK} count_include_pad={attrs.get('count_include_pad', 0)}"
        del n.attribute[:]
        n.attribute.extend(keep)
    return model


def _average_pool_restored(m):
    from qonnx.transformation.general import GiveReadableTensorNames, GiveUniqueNodeNames

    marked = 0
    for n in m.model.graph.node:
        if n.doc_string.startswith(_AVG_MARK):
            assert n.op_type == "MaxPool", n
            n.op_type = "AveragePool"
            n.attribute.append(onnx.helper.make_attribute("count_include_pad", int(n.doc_string.rsplit("=", 1)[1])))
            n.doc_string = ""
            marked += 1
    assert marked, "the AveragePool stand-ins were lost in qonnx's conversion"
    m = m.transform(GiveUniqueNodeNames())
    return m.transform(GiveReadableTensorNames())


def clean_model(model: onnx.ModelProto) -> onnx.ModelProto:
    """The preprocessing hls4ml 1.3.0's ONNX frontend expects (see PREPROCESSING; plus
    AVERAGE_POOL_STEP for a model with an AveragePool)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul
    from qonnx.util.cleanup import cleanup_model

    average = has_average_pool(model)
    if average:
        model = _average_pool_to_stand_in(model)
    with quiet():
        m = ModelWrapper(onnx.ModelProto.FromString(model.SerializeToString()))
        m = cleanup_model(m)
        m = m.transform(ConvertToChannelsLastAndClean())
        m = m.transform(GemmToMatMul())
        m = cleanup_model(m)
        if average:
            m = _average_pool_restored(m)
    return m.model


def _consts(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def map_cleaned_to_original(original: onnx.ModelProto, cleaned: onnx.ModelProto) -> dict[str, dict]:
    """For every node and initialiser of the cleaned graph, the original node / initialiser.

    Matching is by content, not by name (cleanup discards the source names):
    - a cleaned node with a constant input is matched to the original node that consumes a
      constant with the same values (for a Gemm with transB=1 the transposed weight; the
      bias of a Gemm matches the Add that GemmToMatMul split off);
    - any other node is matched to the original node of the same op type that consumes the
      output of the original node its producer was matched to.
    Raises if any cleaned node is left without exactly one match.
    """
    oc, cc = _consts(original), _consts(cleaned)
    o_nodes = list(original.graph.node)
    o_prod = {o: n for n in o_nodes for o in n.output}

    def attrs(n):
        return {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}

    # (original node, role, array) for every constant an original node consumes
    cands = []
    for n in o_nodes:
        a = attrs(n)
        for i, inp in enumerate(n.input):
            if inp in oc:
                arr = oc[inp]
                role = {0: "A", 1: "B", 2: "C"}.get(i, str(i)) if n.op_type == "Gemm" else str(i)
                if n.op_type == "Gemm" and i == 1 and a.get("transB", 0):
                    arr = arr.T
                cands.append((n, role, inp, arr))

    def same(a, b):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)

    mapping: dict[str, dict] = {}
    c_prod = {}
    for n in cleaned.graph.node:
        for o in n.output:
            c_prod[o] = n
        const_in = [(i, inp) for i, inp in enumerate(n.input) if inp in cc]
        match = None
        if const_in:
            hits = []
            for _, inp in const_in:
                hits += [(on, role, oname) for (on, role, oname, arr) in cands if same(arr, cc[inp])]
            # a Quant on a constant: match the constant it quantises (its first input)
            uniq = {(h[0].name, h[1], h[2]) for h in hits}
            if n.op_type == "Quant":
                first = n.input[0]
                uniq = {u for u in uniq if first in cc and same(oc[u[2]] if u[2] in oc else np.empty(0), cc[first])}
            if len(uniq) == 1:
                oname, role, cname = next(iter(uniq))
                match = {"original_node": oname, "via_constant": cname, "role": role}
            elif len(uniq) > 1:
                # several original consumers of equal constants: disambiguate by data producer
                data_in = [i for i in n.input if i not in cc]
                if data_in and data_in[0] in c_prod and c_prod[data_in[0]].name in mapping:
                    prev = mapping[c_prod[data_in[0]].name]["original_node"]
                    prev_outs = {o for on in o_nodes if on.name == prev for o in on.output}
                    sel = [u for u in uniq if any(i in prev_outs for on in o_nodes if on.name == u[0] for i in on.input)]
                    if len(sel) == 1:
                        oname, role, cname = sel[0]
                        match = {"original_node": oname, "via_constant": cname, "role": role}
        if match is None:
            data_in = [i for i in n.input if i not in cc]
            src = data_in[0] if data_in else None
            if src is not None and src in c_prod and c_prod[src].name in mapping:
                prev = mapping[c_prod[src].name]["original_node"]  # None: a Transpose qonnx inserted
                prev_node = next((on for on in o_nodes if on.name == prev), None)
                nxt = [on for on in o_nodes if prev_node is not None and on.op_type == n.op_type
                       and any(i in prev_node.output for i in on.input)]
                if len(nxt) == 1:
                    match = {"original_node": nxt[0].name, "via_producer": c_prod[src].name}
            elif src is not None and src in [i.name for i in cleaned.graph.input]:
                gin = original.graph.input[[i.name for i in cleaned.graph.input].index(src)].name
                nxt = [on for on in o_nodes if on.op_type == n.op_type and gin in on.input]
                if len(nxt) == 1:
                    match = {"original_node": nxt[0].name, "via_graph_input": gin}
        if match is None and n.domain == "qonnx.custom_op.channels_last" or (
                match is None and n.op_type in ("Transpose", "Flatten", "Reshape", "Relu", "MatMul", "Add", "Softmax",
                                            "GlobalAveragePool", "GlobalMaxPool")
                and any(c.domain == "qonnx.custom_op.channels_last" for c in cleaned.graph.node)):
            # channels-last conversion: Conv/MaxPool weights are stored (F, kh, kw, C) and the Dense
            # after a Flatten has its rows permuted, so content does not match; the conversion keeps
            # every original node in order, so the k-th cleaned node of a type is the k-th original one
            same_type_c = [c.name for c in cleaned.graph.node if c.op_type == n.op_type]
            same_type_o = [on for on in o_nodes if on.op_type == n.op_type]
            if n.op_type == "Transpose" and len(same_type_o) < len(same_type_c):
                mapping[n.name] = {"original_node": None, "op": n.op_type,
                                   "inserted_by": "qonnx ConvertToChannelsLastAndClean"}
                continue
            if len(same_type_o) == len(same_type_c):
                match = {"original_node": same_type_o[same_type_c.index(n.name)].name, "via_op_order": True}
        if match is None:
            raise RuntimeError(f"cannot map cleaned node {n.name} ({n.op_type}) to the original graph")
        onode = next(on for on in o_nodes if on.name == match["original_node"])
        match["original_op"] = onode.op_type
        match["op"] = n.op_type
        mapping[n.name] = match
    # initialisers of the cleaned graph: the original initialiser with the same values
    for cname, arr in cc.items():
        hits = sorted({oname for (_, _, oname, oarr) in cands if same(oarr, arr)} |
                      {oname for oname, oarr in oc.items() if same(oarr, arr)})
        mapping[cname] = {"original_initializer": hits[0] if len(hits) == 1 else hits,
                          "transposed": any(same(oarr.T, arr) and not same(oarr, arr) for oname, oarr in oc.items()
                                            if oarr.ndim == 2 and oname in hits)}
    for ci, oi in zip(cleaned.graph.input, original.graph.input):
        mapping[ci.name] = {"original_input": oi.name}
    return mapping


# ------------------------------------------------------------------------- conversion with a pass log

@dataclass
class Lineage:
    """Which ONNX names (cleaned graph) ended up in which hls4ml layer, and through which passes."""

    origin: dict[str, set] = field(default_factory=dict)
    passes: dict[str, list] = field(default_factory=dict)
    events: list = field(default_factory=list)

    def of(self, name):
        return self.origin.setdefault(name, {name})

    def absorb(self, into, name, how):
        self.of(into).update(self.of(name))
        self.passes.setdefault(into, []).extend(self.passes.get(name, []))
        self.events.append({"event": how, "node": name, "into": into})


@contextlib.contextmanager
def _record_lineage(lineage: Lineage):
    from hls4ml.model import graph as hgraph
    from hls4ml.model.optimizer import optimizer as hopt

    ModelGraph = hgraph.ModelGraph
    saved = {k: getattr(ModelGraph, k) for k in ("remove_node", "replace_node", "split_node", "insert_node")}
    current: list = []  # stack of (pass name, target layer name)
    touched: list = []  # stack of sets: layers that absorbed something during the transform
    wrapped = {}

    def wrap_transform(name, opt):
        orig = opt.transform

        def transform(*args, **kwargs):
            node = args[1] if len(args) > 1 else kwargs.get("node")
            current.append((name, getattr(node, "name", None)))
            touched.append(set())
            try:
                res = orig(*args, **kwargs)
            finally:
                current.pop()
                names = touched.pop()
            if res and node is not None:
                for n in names | {node.name}:
                    lineage.passes.setdefault(n, []).append(name)
            return res

        return orig, transform

    for name, opt in hopt.optimizer_map.items():
        orig, t = wrap_transform(name, opt)
        wrapped[name] = orig
        opt.transform = t

    def remove_node(self, node, *a, **k):
        pas, target = current[-1] if current else (None, None)
        if target is not None and node.name != target:
            lineage.absorb(target, node.name, f"removed by {pas} (absorbed into the transformed layer)")
            if touched:
                touched[-1].add(target)
        else:
            prev = node.get_input_node()
            if prev is not None:
                lineage.absorb(prev.name, node.name, f"removed by {pas} (folded into its input layer)")
                if touched:
                    touched[-1].add(prev.name)
            else:
                lineage.events.append({"event": f"removed by {pas}", "node": node.name})
        return saved["remove_node"](self, node, *a, **k)

    def replace_node(self, old, new, *a, **k):
        pas = current[-1][0] if current else None
        lineage.absorb(new.name, old.name, f"replaced by {pas}")
        if touched:
            touched[-1].add(new.name)
        return saved["replace_node"](self, old, new, *a, **k)

    def split_node(self, old, n1, n2, *a, **k):
        pas = current[-1][0] if current else None
        for n in (n1, n2):
            lineage.of(n.name).update(lineage.of(old.name))
        lineage.events.append({"event": f"split by {pas}", "node": old.name, "into": [n1.name, n2.name]})
        return saved["split_node"](self, old, n1, n2, *a, **k)

    def insert_node(self, node, *a, **k):
        pas = current[-1][0] if current else None
        lineage.origin[node.name] = set()
        lineage.events.append({"event": f"inserted by {pas}", "node": node.name})
        return saved["insert_node"](self, node, *a, **k)

    ModelGraph.remove_node, ModelGraph.replace_node = remove_node, replace_node
    ModelGraph.split_node, ModelGraph.insert_node = split_node, insert_node
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(ModelGraph, k, v)
        for name, orig in wrapped.items():
            hopt.optimizer_map[name].transform = orig


def convert(cleaned: onnx.ModelProto, hls_config: dict, output_dir: str, log_path: str | None = None):
    """hls4ml.converters.convert_from_onnx_model with the fixed backend settings; returns
    (ModelGraph, Lineage). The config dict is deep-copied (hls4ml adds entries to it)."""
    import hls4ml

    lineage = Lineage()
    with quiet(log_path), _record_lineage(lineage):
        hm = hls4ml.converters.convert_from_onnx_model(
            onnx.ModelProto.FromString(cleaned.SerializeToString()),
            output_dir=output_dir,
            project_name=PROJECT,
            backend=BACKEND,
            io_type=IO_TYPE,
            hls_config=copy.deepcopy(hls_config),
        )
    return hm, lineage


def cache_key(cleaned: onnx.ModelProto, hls_config: dict) -> str:
    import hls4ml

    h = hashlib.sha256()
    h.update(cleaned.SerializeToString(deterministic=True))
    h.update(json.dumps(hls_config, sort_keys=True).encode())
    h.update(f"hls4ml={hls4ml.__version__};backend={BACKEND};io={IO_TYPE};recipe={RECIPE_VERSION}".encode())
    h.update(gxx_version().encode())
    return h.hexdigest()[:20]


def gxx_version() -> str:
    try:
        return subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "g++ ?"


def build(hm, cache_dir: str, log_path: str | None = None) -> dict:
    """Write and compile the project in cache_dir (= hm's output dir) unless a build is
    recorded there; then load its library into hm. Returns the build manifest."""
    manifest_path = os.path.join(cache_dir, "trigrt-build.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        if os.path.exists(manifest["library"]):
            hm._top_function_lib = ctypes.cdll.LoadLibrary(manifest["library"])
            manifest["reused"] = True
            return manifest
    t0 = time.perf_counter()
    with quiet(log_path):
        hm.write()
    t1 = time.perf_counter()
    with quiet(log_path):
        hm._compile()
    t2 = time.perf_counter()
    lib = os.path.join(cache_dir, "firmware", f"{PROJECT}-{hm.config.get_config_value('Stamp')}.so")
    assert os.path.exists(lib), lib
    manifest = {"library": lib, "write_s": round(t1 - t0, 3), "compile_s": round(t2 - t1, 3), "gxx": gxx_version()}
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    manifest["reused"] = False
    return manifest


# ------------------------------------------------------------------------- generated-code parser

_TYPE_RE = re.compile(r"^(ap_fixed|ap_ufixed|ap_int|ap_uint)<\s*([^>]*)>$")


def parse_cpp_type(t: str) -> dict:
    """'ap_fixed<18,8,AP_RND,AP_SAT,0>' -> fields with hls4ml/Xilinx defaults made explicit."""
    t = t.strip()
    m = _TYPE_RE.match(t)
    if not m:
        return {"cpp": t}
    kind, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
    d = {"cpp": t, "kind": kind, "signed": kind in ("ap_fixed", "ap_int"), "width": int(args[0])}
    if kind in ("ap_fixed", "ap_ufixed"):
        d["integer"] = int(args[1])
        d["fractional"] = d["width"] - d["integer"]
        d["rounding"] = args[2] if len(args) > 2 else "AP_TRN"
        d["overflow"] = args[3] if len(args) > 3 else "AP_WRAP"
        d["sat_bits"] = int(args[4]) if len(args) > 4 else 0
    else:
        d["integer"] = d["width"]
        d["fractional"] = 0
        d["conversion"] = "truncate toward zero, then wrap (ap_int semantics; Q/O do not apply)"
    return d


def _parse_typedefs(text: str) -> dict[str, str]:
    return {m.group(2): m.group(1).strip() for m in re.finditer(r"^\s*typedef\s+(.+?)\s+(\w+)\s*;", text, re.M)}


def _resolve(name: str, typedefs: dict[str, str]) -> str:
    seen = set()
    while name in typedefs and name not in seen:
        seen.add(name)
        name = typedefs[name]
    return name


def _parse_structs(text: str) -> dict[str, dict]:
    """struct NAME : BASE { ... }; blocks (brace-matched), with the '// Layer' comment above."""
    out = {}
    for m in re.finditer(r"(?://\s*(\S+)\s*\n)?struct\s+(\w+)\s*:\s*([\w:]+)\s*\{", text):
        start = m.end()
        depth, i = 1, start
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[start:i - 1]
        out[m.group(2)] = {"layer_comment": m.group(1), "base": m.group(3), "body": body}
    return out


def _struct_fields(body: str, typedefs: dict[str, str]) -> dict:
    # drop nested structs (conv mult configs) from the top-level field scan
    flat = re.sub(r"struct\s+\w+\s*:\s*[\w:]+\s*\{.*?\};", "", body, flags=re.S)
    consts, types, usings = {}, {}, {}
    for m in re.finditer(r"static\s+(?:const|constexpr)\s+([\w:]+(?:\s+\w+)?)\s+(\w+)\s*=\s*([^;]+);", flat):
        val = m.group(3).strip()
        try:
            val = int(val)
        except ValueError:
            try:
                val = float(val)
            except ValueError:
                pass
        consts[m.group(2)] = val
    for m in re.finditer(r"typedef\s+(.+?)\s+(\w+)\s*;", flat):
        types[m.group(2)] = {"typedef": m.group(1).strip(), **parse_cpp_type(_resolve(m.group(1).strip(), typedefs))}
    for m in re.finditer(r"using\s+(\w+)\s*=\s*([^;]+);", flat):
        usings[m.group(1)] = m.group(2).strip()
    return {"constants": consts, "types": types, "templates": usings}


# Generated calls whose argument list is not (input, output, weights...).
MERGE_FUNCTIONS = {"add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate1d",
                   "concatenate2d", "concatenate3d", "dot1d"}
PARAM_ACTIVATIONS = {"leaky_relu", "thresholded_relu", "elu", "prelu"}
NO_RESULT_TYPE_ARG = {"normalize_binary_tanh", "normalize_ternary_tanh"}

# Which of a softmax config's types each implementation reads (nnet_activation.h, 1.3.0).
SOFTMAX_TYPES_USED = {
    "stable": ["inp_norm_t (x_max - x_i)", "exp_table_t (entries, indexed by top bits of inp_norm_t)",
               "accum_t (exp_res and every reduce-tree partial sum)", "inv_inp_t (sum converted; indexes inv table)",
               "inv_table_t", "res_T = result_t (exp_res * inv, one conversion)"],
    "latency": ["exp_table_t (entries exp(+x), indexed by top bits of the input type data_T)",
                "accum_t (exp_res and reduce-tree sums)", "inv_inp_t (sum converted; indexes inv table)",
                "inv_table_t", "res_T = result_t"],
    "legacy": ["table_t inherited from nnet::activ_config (the generated struct defines none) for both tables and "
               "the accumulation", "res_T = result_t"],
    "argmax": ["res_T = result_t (0 and 1 only)"],
}


def _base_struct_defaults(fw: str) -> dict[str, dict]:
    """Default typedefs/constants of the nnet::*_config base structs in the project's nnet_utils."""
    out = {}
    nd = os.path.join(fw, "nnet_utils")
    for fn in sorted(os.listdir(nd)):
        if not fn.endswith(".h"):
            continue
        text = open(os.path.join(nd, fn)).read()
        for m in re.finditer(r"^struct\s+(\w+_config)\s*\{", text, re.M):
            start, depth, i = m.end(), 1, m.end()
            while depth and i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            out.setdefault("nnet::" + m.group(1), {"header": fn, **_struct_fields(text[start:i - 1], {})})
    return out


def summarize_project(prj_dir: str) -> dict:
    """Parse the generated project into {input, outputs, layers: [...]} (calls in order)."""
    fw = os.path.join(prj_dir, "firmware")
    defines = open(os.path.join(fw, "defines.h")).read()
    params = open(os.path.join(fw, "parameters.h")).read()
    top = open(os.path.join(fw, f"{PROJECT}.cpp")).read()
    typedefs = _parse_typedefs(defines)
    structs = _parse_structs(params)
    bases = _base_struct_defaults(fw)

    sig = re.search(rf"void\s+{PROJECT}\s*\((.*?)\)\s*\{{", top, re.S).group(1)
    ports = [dict(zip(("type", "name", "size"), m.groups())) for m in re.finditer(r"(\w+)\s+(\w+)\[([\d*]+)\]", sig)]
    # local arrays (io_parallel): "layer5_t layer5_out[8];" and in-place aliases "auto& layer8_out = global_in;"
    declared = {m.group(2): m.group(1) for m in re.finditer(r"^\s*(\w+)\s+(\w+)\[[\d*]+\];", top, re.M)}
    declared.update({p["name"]: p["type"] for p in ports})
    for m in re.finditer(r"^\s*auto&\s+(\w+)\s*=\s*(\w+);", top, re.M):
        if m.group(2) in declared:
            declared[m.group(1)] = declared[m.group(2)]

    weights = {}
    for m in re.finditer(r"load_weights_from_txt<\s*(\w+)\s*,\s*(\d+)\s*>\(\s*(\w+)\s*,\s*\"([^\"]+)\"", top):
        tname, n, var, fname = m.groups()
        txt = open(os.path.join(fw, "weights", fname)).read()
        vals = np.array([float(v) for v in txt.replace("\n", " ").split(",") if v.strip()])
        weights[var] = {"var": var, "typedef": tname, **parse_cpp_type(_resolve(tname, typedefs)), "size": int(n),
                        "file": fname, "all_zero": bool(np.all(vals == 0)), "all_one": bool(np.all(vals == 1)),
                        "decimals_in_txt": _decimals(txt)}

    inp = ports[0]
    layers = [{
        "name": inp["name"],
        "function": "bridge: nnet::convert_data<double, input_t> (each double converted into input_t with its Q/O)",
        "output_var": inp["name"],
        "result_t": {"typedef": inp["type"], **parse_cpp_type(_resolve(inp["type"], typedefs))},
        "n_out": int(np.prod([int(d) for d in inp["size"].split("*")])),
    }]
    for m in re.finditer(r"nnet::(\w+)<([^>]*)>\(([^)]*)\);\s*//\s*(\S+)", top):
        fn, targs, cargs, lname = m.groups()
        targs = [a.strip() for a in targs.split(",")]
        cargs = [a.strip() for a in cargs.split(",")]
        cfg_name = targs[-1]
        st = structs.get(cfg_name, {})
        fields = _struct_fields(st.get("body", ""), typedefs) if st else {}
        # argument layout of the call: (inputs..., [param], output, weights...)
        if fn in MERGE_FUNCTIONS:          # nnet::add<in1_t, in2_t, res_t, cfg>(in1, in2, res)
            n_data_in, param = 2, False
        elif fn in PARAM_ACTIVATIONS:      # nnet::leaky_relu<in_t, param_t, res_t, cfg>(in, param, res)
            n_data_in, param = 1, True
        else:                              # nnet::dense<in_t, res_t, cfg>(in, res, w, b)
            n_data_in, param = 1, False
        res_i = n_data_in + (1 if param else 0)
        if fn in NO_RESULT_TYPE_ARG:       # nnet::normalize_binary_tanh<in_t, cfg>(in, res, threshold)
            targs = targs[:1] + [declared.get(cargs[1], "?")] + targs[1:]
        layer = {
            "name": lname,
            "function": f"nnet::{fn}",
            "config_struct": cfg_name,
            "config_base": st.get("base"),
            "input_var": cargs[0],
            "output_var": cargs[res_i],
            "input_t": {"typedef": targs[0], **parse_cpp_type(_resolve(targs[0], typedefs))},
            "result_t": {"typedef": targs[res_i], **parse_cpp_type(_resolve(targs[res_i], typedefs))},
            "weights": [weights[w] for w in cargs[res_i + 1:] if w in weights],
            **fields,
        }
        if n_data_in > 1:
            layer["input_vars"] = cargs[:n_data_in]
            layer["input_ts"] = [{"typedef": t, **parse_cpp_type(_resolve(t, typedefs))} for t in targs[:n_data_in]]
        if param:
            layer["param_t"] = {"typedef": targs[1], **parse_cpp_type(_resolve(targs[1], typedefs))}
            layer["param_value"] = cargs[1]
        base = bases.get(st.get("base") or "")
        if base:
            inh_t = {k: v for k, v in base["types"].items() if k not in fields.get("types", {})}
            inh_c = {k: v for k, v in base["constants"].items() if k not in fields.get("constants", {})}
            if inh_t or inh_c:
                layer["inherited_from_base"] = {"struct": st["base"], "header": base["header"],
                                                "types": inh_t, "constants": inh_c}
        impl = str(fields.get("constants", {}).get("implementation", ""))
        if fn == "softmax" and impl.startswith("nnet::softmax_implementation::"):
            layer["softmax_types_used"] = SOFTMAX_TYPES_USED.get(impl.rsplit("::", 1)[1])
        layers.append(layer)
    return {"ports": ports, "layers": layers, "typedefs": {k: _resolve(k, typedefs) for k in typedefs}}


def _decimals(txt: str) -> int | None:
    tok = txt.split(",")[0].strip()
    return len(tok.split(".")[1]) if "." in tok else 0


def layer_report(hm, lineage: Lineage, cleaned: onnx.ModelProto, to_original: dict, prj_dir: str) -> dict:
    """The generated types per layer + where each layer came from (ONNX nodes, passes)."""
    summary = summarize_project(prj_dir)
    onnx_names = ({n.name for n in cleaned.graph.node} | {t.name for t in cleaned.graph.initializer}
                  | {i.name for i in cleaned.graph.input})
    cleaned_op = {n.name: n.op_type for n in cleaned.graph.node}
    hl = {l.name: l for l in hm.get_layers()}
    for layer in summary["layers"]:
        name = layer["name"]
        h = hl.get(name)
        layer["class"] = h.class_name if h is not None else None
        if h is not None:
            for k in ("n_in", "n_out", "n_filt", "activation", "implementation", "table_size", "axis"):
                v = h.get_attr(k)
                if v is not None and not hasattr(v, "precision"):
                    layer.setdefault("attributes", {})[k] = v if isinstance(v, (str, bool)) else int(v) \
                        if isinstance(v, (int, np.integer)) else str(v)
        srcs = sorted(lineage.of(name) & onnx_names)
        layer["onnx_cleaned"] = [{"name": s, "op": cleaned_op.get(s, "initializer" if s not in cleaned_op and
                                  s != "global_in" else "graph input")} for s in srcs]
        orig = []
        for s in srcs:
            mp = to_original.get(s, {})
            o = mp.get("original_node") or mp.get("original_initializer") or mp.get("original_input")
            if o is not None:
                orig.append({"cleaned": s, "original": o, "original_op": mp.get("original_op")})
        layer["onnx_original"] = orig
        layer["passes"] = sorted(set(lineage.passes.get(name, [])))
    return summary


# ------------------------------------------------------------------------- inputs

def sample_calo_jet_images(rng: np.random.Generator, n: int) -> np.ndarray:
    """Rows for ../shared/models/jettag_cnn2d_float (input [N, 25, 25, 1], NHWC, pixel pT in
    GeV), drawn as that model's card describes its shipped inputs: ~Poisson(25) deposits
    Gaussian (3 px) around the centre with exponential pT, plus one hard leading deposit near
    the centre, on a 2^-6 GeV grid. Flattened per row (C order of [25, 25, 1])."""
    img = np.zeros((n, 25, 25))
    for r in range(n):
        k = rng.poisson(25)
        i = np.clip(np.round(12 + rng.normal(0.0, 3.0, k)), 0, 24).astype(int)
        j = np.clip(np.round(12 + rng.normal(0.0, 3.0, k)), 0, 24).astype(int)
        np.add.at(img[r], (i, j), rng.exponential(6.0, k))
        li, lj = np.clip(np.round(12 + rng.normal(0.0, 1.0, 2)), 0, 24).astype(int)
        img[r, li, lj] += 20.0 + rng.exponential(60.0)
    return (np.round(img * 64.0) / 64.0).reshape(n, -1)


# Samplers of models that are not in the zoo (the shared real models of ../shared/models).
SAMPLERS = {"jettag_cnn2d_float": sample_calo_jet_images}


def _zoo_sampler(name: str):
    if name in SAMPLERS:
        return SAMPLERS[name]
    sys.path.insert(0, MODELS_DIR)
    import generate as zoo  # noqa: E402

    base = name[:-len("_qonnx")] if name.endswith("_qonnx") else name
    _, sampler, _ = zoo.MODELS[base]()
    # CNN samplers return images in the ONNX input layout (n, C, H, W) / (n, C, L); the csim
    # and trigrt take each row flattened in that (C-order) layout.
    return lambda rng, n: sampler(rng, n).reshape(n, -1)


# (label, number of rows) of the blocks of a stress input set, in order.
STRESS_BLOCKS = [
    ("realistic", 7000),
    ("realistic_x8", 500),          # 8x the realistic values: overflows ap_fixed<16,6> (|x| >= 32)
    ("realistic_negated", 500),     # sign-flipped rows
    ("sparse_zeros", 450),          # realistic rows with ~half the features set to 0
    ("all_zero", 50),
    ("log_uniform_wide", 500),      # sign * 2^U(-14, 8): below the LSB up to 256
    ("special_values", 500),        # range edges, +-LSB, values that round up into overflow
    ("rounding_ties", 500),         # values exactly half an LSB between grid points (F = 2..12)
]


def libm(fn, *args) -> np.ndarray:
    """fn (a `math` function) element by element over the broadcast arrays. numpy's float64
    exp and power take other code paths on AVX-512 machines and differ from the C library in
    the last bit: regenerated inputs (checked against committed sha256s) must not depend on
    the machine's vector unit."""
    b = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in args])
    return np.array([fn(*v) for v in zip(*[a.ravel() for a in b])], dtype=np.float64).reshape(b[0].shape)


def stress_inputs(name: str, n_in: int, n_rows: int = 10000, seed: int = 1234,
                  sampler=None) -> tuple[np.ndarray, list]:
    """Deterministic float64 input rows and the block layout [(label, start, stop)]."""
    total = sum(n for _, n in STRESS_BLOCKS)
    scale = n_rows / total
    blocks, start = [], 0
    for i, (label, n) in enumerate(STRESS_BLOCKS):
        k = int(round(n * scale)) if i < len(STRESS_BLOCKS) - 1 else n_rows - start
        blocks.append((label, start, start + k))
        start += k
    rng = np.random.default_rng(seed)
    sampler = sampler or _zoo_sampler(name)
    real = sampler(rng, n_rows)
    x = np.empty((n_rows, n_in))
    for label, a, b in blocks:
        k = b - a
        r = real[a:b]
        if label == "realistic":
            x[a:b] = r
        elif label == "realistic_x8":
            x[a:b] = 8.0 * r
        elif label == "realistic_negated":
            x[a:b] = -r
        elif label == "sparse_zeros":
            x[a:b] = np.where(rng.random((k, n_in)) < 0.5, 0.0, r)
        elif label == "all_zero":
            x[a:b] = 0.0
        elif label == "log_uniform_wide":
            x[a:b] = rng.choice([-1.0, 1.0], (k, n_in)) * libm(math.pow, 2.0, rng.uniform(-14, 8, (k, n_in)))
        elif label == "special_values":
            specials = []
            for iw in (1, 2, 3, 4, 5, 6, 8, 10):            # edges of ap_fixed<W, I> ranges
                for f in (3, 4, 5, 6, 7, 8, 10, 12):
                    top = 2.0 ** (iw - 1)
                    specials += [top, -top, top - 2.0 ** -f, -top + 2.0 ** -f, top - 2.0 ** -(f + 1),
                                 -top - 2.0 ** -(f + 1)]
            specials += [0.0, -0.0, 2.0 ** -10, -(2.0 ** -10), 2.0 ** -11, -(2.0 ** -11), 2.0 ** -20, 1e-9,
                         31.9995, -31.9995, 32.0, -32.0, 64.0, -64.0, 1000.0, -1000.0, 1.0, -1.0, 0.5, -0.5]
            specials = np.array(sorted(set(specials)))
            x[a:b] = rng.choice(specials, (k, n_in))
        elif label == "rounding_ties":
            f = rng.integers(2, 13, (k, n_in))
            grid = np.round(r * 2.0 ** f)
            x[a:b] = (grid + 0.5) / 2.0 ** f
    return x, blocks


# ------------------------------------------------------------------------- native timing

NATIVE_SRC = os.path.join(HERE, "csim_native.c")


def native_binary(cache_root: str) -> str:
    src = open(NATIVE_SRC, "rb").read()
    exe = os.path.join(cache_root, f"csim_native-{hashlib.sha256(src).hexdigest()[:12]}")
    if not os.path.exists(exe):
        os.makedirs(cache_root, exist_ok=True)
        subprocess.run(["gcc", "-O2", "-o", exe + ".tmp", NATIVE_SRC, "-ldl"], check=True)
        os.replace(exe + ".tmp", exe)
    return exe


def native_time(cache_root: str, library: str, x: np.ndarray, n_out: int, work_dir: str,
                min_seconds: float = 3.0, max_passes: int = 5) -> tuple[dict, np.ndarray]:
    exe = native_binary(cache_root)
    xin = os.path.join(work_dir, "native_in.f64")
    yout = os.path.join(work_dir, "native_out.f64")
    np.ascontiguousarray(x, dtype=np.float64).tofile(xin)
    res = subprocess.run([exe, library, f"{PROJECT}_double", xin, yout, str(x.shape[0]), str(x.shape[1]),
                          str(n_out), str(min_seconds), str(max_passes)], capture_output=True, text=True, check=True)
    stats = json.loads(res.stdout)
    y = np.fromfile(yout, dtype=np.float64).reshape(x.shape[0], n_out)
    os.remove(xin)
    os.remove(yout)
    return stats, y
