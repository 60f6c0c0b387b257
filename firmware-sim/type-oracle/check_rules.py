#!/usr/bin/env python3
"""Check HLS4ML-FRONTEND.md §3 (config lookup, renamed-layer copies, precision strings) and §6
(defaults, `auto` inference, softmax table rules) against the committed oracle, without hls4ml:
the expected type of every Dense / ApplyAlpha / BatchNormalization / activation / softmax / input
type is derived from the config alone (plus the recorded input types and sizes, which is what a
layer-by-layer implementation has) and compared with what hls4ml generated.

Layers that absorbed QONNX Quant nodes, and ApplyAlpha layers that merged several ONNX ops, are
skipped (their types come from the quantizers / the merge rules of §5.2, exercised by the oracle
itself).

    python3 firmware-sim/type-oracle/check_rules.py        # exit 1 on any mismatch
"""

from __future__ import annotations

import glob
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

AUTO = "auto"
Q = ["TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV"]
O = ["WRAP", "SAT", "SAT_ZERO", "SAT_SYM"]


class Rejected(Exception):
    pass


# ----------------------------------------------------------------- §3.4 precision strings

def _mode(s, table):
    m = s.strip().replace("AP_", "").upper().replace("AC_", "").upper()
    if m not in table:
        raise Rejected(f"mode {s!r}")
    return m


def parse(p):
    """-> AUTO | ('fixed', W, I, signed, Q, O, N) | ('int', W, signed) | ('float', name)"""
    if not isinstance(p, str):
        raise Rejected(repr(p))
    if p.lower() == "auto":
        return AUTO
    if p in ("float", "double", "half", "bfloat16") or p.startswith(("ap_float", "ac_std_float", "std_float")):
        return ("float", p)
    m = re.search(".+<(.+?)>", p)
    if p.startswith("ac_"):
        if not m:
            raise Rejected(p)
        bits = m.group(1).split(",")
        signed, nxt = True, 2 if "fixed" in p else 1
        if len(bits) > nxt:
            signed = bits[nxt].strip().lower() not in ("false", "0")
            nxt += 1
        q = _mode(bits[nxt], Q) if len(bits) > nxt else "TRN"
        o = _mode(bits[nxt + 1], O) if len(bits) > nxt + 1 else "WRAP"
        if "fixed" in p:
            return ("fixed", int(bits[0]), int(bits[1]), signed, q, o, 0)
        return ("int", int(bits[0]), signed)
    if p.startswith(("ap_", "fixed", "ufixed", "int", "uint")):
        if not m:
            raise Rejected(p)
        bits = m.group(1).split(",")
        signed = "u" not in p
        if "fixed" in p:
            if len(bits) < 2:
                raise Rejected(p)
            w, i, f = int(bits[0]), int(bits[1]), 2
        else:
            w, i, f = int(bits[0]), None, 1
        q = _mode(bits[f], Q) if len(bits) > f else "TRN"
        o = _mode(bits[f + 1], O) if len(bits) > f + 1 else "WRAP"
        n = int(bits[f + 2]) if len(bits) > f + 2 else 0
        if "fixed" in p:
            return ("fixed", w, i, signed, q, o, n)
        return ("int", w, signed)
    raise Rejected(p)


def canon(t):
    if t[0] == "fixed":
        _, w, i, s, q, o, n = t
        k = "ap_fixed" if s else "ap_ufixed"
        return f"{k}<{w},{i}>" if (q, o, n) == ("TRN", "WRAP", 0) else f"{k}<{w},{i},AP_{q},AP_{o},{n}>"
    if t[0] == "int":
        return f"ap_{'' if t[2] else 'u'}int<{t[1]}>"
    return t[1]


def from_canon(s):
    s = s.replace(" (base)", "")
    m = re.match(r"ap_(u?)fixed<(-?\d+),(-?\d+)(?:,AP_(\w+?),AP_(\w+?),(\d+))?>$", s)
    if m:
        return ("fixed", int(m.group(2)), int(m.group(3)), m.group(1) == "", m.group(4) or "TRN",
                m.group(5) or "WRAP", int(m.group(6) or 0))
    m = re.match(r"ap_(u?)int<(\d+)>$", s)
    if m:
        return ("int", int(m.group(2)), m.group(1) == "")
    return ("float", s)


def wis(t):
    """(W, I, signed) of a fixed or integer type."""
    return (t[1], t[2], t[3]) if t[0] == "fixed" else (t[1], t[1], t[2])


# ----------------------------------------------------------------- §3.2 / §3.3 lookup

class Config:
    def __init__(self, cfg):
        model = dict(cfg.get("Model") or {})
        prec = model.get("Precision", "fixed<16,6>")
        self.model = dict(prec) if isinstance(prec, dict) else {"default": prec}
        self.name_tab, self.type_tab = {}, {}
        self.layer_name = cfg.get("LayerName", {}) or {}
        self.layer_type = cfg.get("LayerType", {}) or {}
        for k, e in self.layer_type.items():
            self._register(self.type_tab, k, e)
        for k, e in self.layer_name.items():
            self._register(self.name_tab, k, e)

    @staticmethod
    def _register(tab, key, entry):
        p = (entry or {}).get("Precision")
        if isinstance(p, dict):
            for var, v in p.items():
                tab[f"{key.lower()}_{var}"] = v
        elif p is not None:
            tab[f"{key.lower()}_default"] = p

    def merged(self, name, cls):
        """LayerType[cls] (+) LayerName[name] (shallow; exact name)."""
        out = dict(self.layer_type.get(cls, {}) or {})
        out.update(self.layer_name.get(name, {}) or {})
        return out

    def rename(self, old, old_cls, new):
        """A pass replaces `old` (transient class old_cls) by `new`: copy (§3.3)."""
        cfg = self.merged(old, old_cls)
        self.layer_name = dict(self.layer_name)
        self.layer_name[new] = cfg
        self._register(self.name_tab, new, cfg)

    def lookup(self, name, cls, var):
        for key in (f"{name.lower()}_{var}", f"{name.lower()}_default"):
            if self.name_tab.get(key) is not None:
                return self.name_tab[key]
        for key in (f"{cls.lower()}_{var}", f"{cls.lower()}_default"):
            if self.type_tab.get(key) is not None:
                return self.type_tab[key]
        if self.model.get(var) is not None:
            return self.model[var]
        return self.model["default"]

    def default(self):
        return parse(self.model["default"])

    def maximum(self):
        return parse(self.model["maximum"]) if "maximum" in self.model else None

    def layer_key(self, name, cls, key):
        return self.merged(name, cls).get(key)


def resolved(conf, name, cls, var):
    t = parse(conf.lookup(name, cls, var))
    return conf.default() if t == AUTO else t


# ----------------------------------------------------------------- §6.3 formulas

def clamp(w, i, conf):
    m = conf.maximum()
    if m is not None:
        mw, mi, _ = wis(m)
        w, i = min(w, mw), min(i, mi)
    return w, i


def dense_auto(x, wt, b, n, conf):
    if any(t[0] not in ("fixed", "int") for t in (x, wt, b)):
        return conf.default()
    (wx, ix, sx), (ww, iw, sw), (wb, ib, sb) = wis(x), wis(wt), wis(b)
    w = ww + wx + math.ceil(math.log2(n))
    i = iw + ix + math.ceil(math.log2(n))
    s = sw or sx
    f = w - i
    i = max(i + (sb and not s), ib + (s and not sb)) + 1
    w = i + max(f, wb - ib)
    s = s or sb
    w, i = clamp(w, i, conf)
    return ("fixed", w, i, s, "TRN", "WRAP", 0)


def bn_auto(x, sc, b, conf):
    if any(t[0] not in ("fixed", "int") for t in (x, sc, b)):
        return conf.default()
    (wx, ix, sx), (ws, is_, ss), (wb, ib, sb) = wis(x), wis(sc), wis(b)
    s1, w1, i1 = ss or sx, wx + ws, ix + is_
    i = max(i1 + (sb and not s1), ib + (s1 and not sb)) + 1
    w = i + max(w1 - i1, wb - ib)
    w, i = clamp(w, i, conf)
    return ("fixed", w, i, s1 or sb, "TRN", "WRAP", 0)


# ----------------------------------------------------------------- the check

CONVS = ("Conv1D", "Conv2D", "PointwiseConv1D")


def check_config(model, entry, problems):
    r = entry["result"]
    conf = Config(entry["config"])
    n_checked = 0

    def expect(layer, what, want, got):
        nonlocal n_checked
        n_checked += 1
        if canon(want) != got.replace(" (base)", ""):
            problems.append(f"{model}/{entry['id']} {layer} {what}: rule {canon(want)} vs hls4ml {got}")

    # renamed layers get their config copied at the time of the rename (§3.3)
    for layer in r["layers"][1:]:
        n = layer["name"]
        if layer.get("class") == "Dense" and n.startswith("Dense_"):
            conf.rename(n[len("Dense_"):], "MatMul", n)
        elif layer.get("class") == "ApplyAlpha" and n.startswith("bn_"):
            conf.rename(n[3:], "Merge", n)
        elif layer.get("class") in CONVS and n.startswith(("Conv1D_", "Conv2D_")):
            conf.rename(n[len("Conv1D_"):], "Conv", n)
    for e in r["events"]:                       # fused bn_ layers were renamed too
        if e[0].startswith("replaced by merge_to_apply_alpha"):
            conf.rename(e[1], "Merge", e[2])

    expect("global_in", "input type", resolved(conf, "global_in", "Input", "result"), r["layers"][0]["out"])
    for layer in r["layers"][1:]:
        n, cls, t = layer["name"], layer.get("class"), layer.get("types", {})
        src = layer.get("onnx", [])
        quant = any(s.startswith(("Quant", "BipolarQuant")) for s in src)
        if quant or cls is None:
            continue
        if cls == "Dense":
            x = from_canon(layer["in"][0])
            # inference sees an in-place Reshape's *configured* result (auto: its input's type), although
            # at run time the Dense reads the Reshape's input unchanged (§6.3)
            inplace = {e["name"]: e for e in r.get("inplace", [])}
            chain, prod = [], layer["from"][0]
            while prod in inplace:
                chain.append(prod)
                prod = inplace[prod]["from"][0]
            for rs in chain:
                t_rs = parse(conf.lookup(rs, "Reshape", "result"))
                if t_rs != AUTO:
                    x = t_rs
                    break
            wt = resolved(conf, n, "Dense", "weight")
            bt = resolved(conf, n, "Dense", "bias")
            expect(n, "weight_t", wt, t["weight_t"])
            expect(n, "bias_t", bt, t["bias_t"])
            auto = dense_auto(x, wt, bt, layer["consts"]["n_in"], conf)
            acc_key = conf.layer_key(n, "Dense", "accum_t")
            acc = parse(acc_key) if isinstance(acc_key, str) else parse(conf.lookup(n, "Dense", "accum"))
            expect(n, "accum_t", auto if acc == AUTO else acc, t["accum_t"])
            res = parse(conf.lookup(n, "Dense", "result"))
            expect(n, "result", auto if res == AUTO else res, layer["out"])
        elif cls in CONVS:
            # _infer_conv_precision: the Dense rule, n = n_chan * filt_height * filt_width (§9a);
            # the parser's class (PointwiseConv1D replaces a Conv1D later)
            pc = "Conv1D" if cls == "PointwiseConv1D" else cls
            c = layer["consts"]
            n_ops = c["n_chan"] * (c.get("filt_height", 1) if isinstance(c.get("filt_height", 1), int) else 1) * c["filt_width"]
            wt, bt = resolved(conf, n, pc, "weight"), resolved(conf, n, pc, "bias")
            expect(n, "weight_t", wt, t["weight_t"])
            expect(n, "bias_t", bt, t["bias_t"])
            auto = dense_auto(from_canon(layer["in"][0]), wt, bt, n_ops, conf)
            for var, got in (("accum", t["accum_t"]), ("result", layer["out"])):
                v = parse(conf.lookup(n, pc, var))
                expect(n, var, auto if v == AUTO else v, got)
        elif cls in ("Pooling1D", "Pooling2D", "GlobalPooling1D", "GlobalPooling2D"):
            # _infer_pooling_precision (§9a); GlobalPooling has no rule: auto is D
            x, c = from_canon(layer["in"][0]), layer["consts"]
            acc, res = parse(conf.lookup(n, cls, "accum")), parse(conf.lookup(n, cls, "result"))
            if cls.startswith("Global"):
                acc_auto, res_auto = conf.default(), conf.default()
            elif c["pool_op"] == "Max":
                acc_auto, res_auto = x, x
            else:
                e = math.ceil(math.log2(c.get("pool_height", 1) * c["pool_width"]))
                w, i, sg = wis(x)
                acc_auto, res_auto = ("fixed", w + 2 * e, i + e, sg, "TRN", "WRAP", 0), x
            expect(n, "accum_t", acc_auto if acc == AUTO else acc, t["accum_t"])
            expect(n, "result", res_auto if res == AUTO else res, layer["out"])
        elif cls == "ApplyAlpha" and n.startswith("bn_"):
            if len([s for s in src if re.match(r"(Add|Sub|Mul|Div)_\d+$", s)]) > 1:
                continue                        # a merged chain (§5.2)
            op = n[3:].split("_")[0]
            const_first = any(s.endswith("_param0") for s in src) and op == "Sub" and \
                t.get("scale_t") == "ap_int<2>"
            sc = ("int", 2, True) if const_first else ("int", 1, False) if op in ("Add", "Sub") else \
                resolved(conf, n, "ApplyAlpha", "scale")
            bt = ("int", 1, False) if op in ("Mul", "Div") else resolved(conf, n, "ApplyAlpha", "bias")
            expect(n, "scale_t", sc, t["scale_t"])
            expect(n, "bias_t", bt, t["bias_t"])
            res = parse(conf.lookup(n, "ApplyAlpha", "result"))
            expect(n, "result", bn_auto(from_canon(layer["in"][0]), sc, bt, conf) if res == AUTO else res,
                   layer["out"])
        elif cls == "BatchNormalization":
            sc, bt = resolved(conf, n, cls, "scale"), resolved(conf, n, cls, "bias")
            expect(n, "scale_t", sc, t["scale_t"])
            expect(n, "bias_t", bt, t["bias_t"])
            res = parse(conf.lookup(n, cls, "result"))
            expect(n, "result", bn_auto(from_canon(layer["in"][0]), sc, bt, conf) if res == AUTO else res,
                   layer["out"])
        elif cls == "Activation" and layer["fn"] in ("relu", "sigmoid", "tanh"):
            expect(n, "result", resolved(conf, n, cls, "result"), layer["out"])
            tt = conf.layer_key(n, cls, "table_t") or conf.layer_key(n, cls, "TableT")
            if layer["fn"] != "relu":
                want = ("fixed", 18, 8, True, "TRN", "WRAP", 0) if tt is None else \
                    (conf.default() if parse(tt) == AUTO else parse(tt))
                expect(n, "table_t", want, t["table_t"])
                ts = conf.layer_key(n, cls, "TableSize") or 1024
                if ts != layer["consts"]["table_size"]:
                    problems.append(f"{model}/{entry['id']} {n} table_size {ts} vs {layer['consts']['table_size']}")
        elif cls == "Softmax":
            expect(n, "result", resolved(conf, n, cls, "result"), layer["out"])
            acc_key = conf.layer_key(n, cls, "accum_t")
            expect(n, "accum_t", parse(acc_key) if acc_key else resolved(conf, n, cls, "accum"), t["accum_t"])
            d18 = ("fixed", 18, 8, True, "RND", "SAT", 0)
            for key in ("exp_table_t", "inv_table_t", "inv_inp_t"):
                v = conf.layer_key(n, cls, key)
                expect(n, key, d18 if v is None else (conf.default() if parse(v) == AUTO else parse(v)), t[key])
            # table sizes (§6.4)
            impl = conf.layer_key(n, cls, "Implementation") or "stable"
            size = conf.layer_key(n, cls, "TableSize") or 1024
            x = from_canon(layer["in"][0])
            inv_bits = wis(from_canon(t["inv_table_t"]))[0]
            if conf.layer_key(n, cls, "inv_table_size") is None and 2 ** min(wis(x)[0], inv_bits) < size:
                size = 2 ** min(wis(x)[0], inv_bits)
            exp_size = conf.layer_key(n, cls, "exp_table_size") or size
            inv_size = conf.layer_key(n, cls, "inv_table_size") or size
            inp_norm = conf.layer_key(n, cls, "inp_norm_t")
            if impl == "stable" and inp_norm is None:
                w, i, s = wis(x)
                want_norm = ("fixed", w - s, i - s, False, "TRN", "WRAP", 0)
                if s:
                    exp_size = min(inv_size, 2 ** (w - 1))
            elif impl == "stable":
                want_norm = parse(inp_norm)
            else:
                want_norm = ("fixed", 1, 0, True, "TRN", "WRAP", 0)
            expect(n, "inp_norm_t", want_norm, t["inp_norm_t"])
            c = layer["consts"]
            if (c["exp_table_size"], c["inv_table_size"], c["implementation"]) != (exp_size, inv_size, impl):
                problems.append(f"{model}/{entry['id']} {n} sizes/impl rule {(exp_size, inv_size, impl)} vs "
                                f"{(c['exp_table_size'], c['inv_table_size'], c['implementation'])}")
    return n_checked


def main():
    problems, n, n_cfg = [], 0, 0
    for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
        if path.endswith("naming.json"):
            continue
        d = json.load(open(path))
        for entry in d["configs"]:
            if "result" not in entry:
                continue
            try:
                n += check_config(d["model"], entry, problems)
                n_cfg += 1
            except Rejected as e:
                problems.append(f"{d['model']}/{entry['id']}: rule rejects a precision hls4ml accepted: {e}")
    for p in problems:
        print(p)
    print(f"{n} types in {n_cfg} configs checked against the rules, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
