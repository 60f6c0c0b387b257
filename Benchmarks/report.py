#!/usr/bin/env python3
"""RESULTS.md and the plots from Benchmarks/results/results.json (bench.py calls write()).

Standalone: report.py [results.json] rewrites RESULTS.md and the PNGs from a saved run.
Every number comes from the run's JSON; the hand-written part is ANALYSIS.md, appended as is.
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEER_ORDER = ["trigrt", "trigrt_f32", "plain_c", "openblas", "ort_c", "ort_python", "csim"]
SHORT = {"trigrt": "trigrt", "trigrt_f32": "trigrt float32 I/O", "plain_c": "plain C", "openblas": "OpenBLAS", "ort_c": "ORT C API", "ort_python": "ORT Python",
         "csim": "hls4ml csim"}
COLORS = {"trigrt": "#1f77b4", "trigrt_f32": "#17becf", "plain_c": "#2ca02c", "openblas": "#9467bd", "ort_c": "#8c564b", "ort_python": "#d62728",
          "csim": "#ff7f0e"}


# ----------------------------------------------------------------------------- formatting

def ns(v) -> str:
    if v is None:
        return "–"
    v = float(v)
    if v >= 1e6:
        return f"{v / 1e6:.3g} ms"
    if v >= 1e3:
        return f"{v / 1e3:.3g} µs"
    return f"{v:.0f} ns"


def rate(v) -> str:
    if v is None:
        return "–"
    v = float(v)
    if v >= 1e6:
        return f"{v / 1e6:.3g} M/s"
    if v >= 1e3:
        return f"{v / 1e3:.3g} k/s"
    return f"{v:.3g} /s"


def nbytes(v) -> str:
    v = int(v)
    if v >= 2**20:
        return f"{v / 2**20:.1f} MiB"
    if v >= 2**10:
        return f"{v / 2**10:.1f} KiB"
    return f"{v} B"


def ratio(a, b) -> float | None:
    if a is None or b is None or not b:
        return None
    return float(a) / float(b)


def x(v, digits=2) -> str:
    return "–" if v is None else f"{v:.{digits}f}×"


def variant(d: dict, key: str) -> dict | None:
    return next((v for v in d.get("variants", []) if v["key"] == key), None)


def ok_runs(ds: list[dict]) -> list[dict]:
    return [d for d in ds if "variants" in d]


def heap_per_run(v: dict) -> str:
    if not v["runs"]:
        return "–"
    h = v["heap_calls"] / v["runs"]
    return "0" if v["heap_calls"] == 0 else f"{h:.3g}"


def rss_text(res: dict, key: str) -> str:
    r = res["rss"].get(key)
    if not r:
        return "–"
    return f"{r['peak_kb'] / 1024:.1f} MiB (+{(r['peak_kb'] - r['baseline_kb']) / 1024:.1f})"


def label(d: dict) -> str:
    if d.get("mode") == "fixed" or d.get("config"):
        return f"{d['name']}/{d['config']}" if d.get("config") else f"{d['name']} (QONNX, no config)"
    return d["name"]


# ----------------------------------------------------------------------------- targets

DENSE_TARGET_ORT = {"deepcsv": 3.0, "jet_tagger": 10.0, "tracknn": 10.0}
FIXED_TARGET = 100.0                                    # issue 7: fixed mode >= 100x hls4ml's C simulation
FIXED_STRETCH = {"jet_tagger": 300.0, "deepcsv": 300.0}  # the stretch target set for the jet tagger and DeepCSV


def ort_c_note(res: dict) -> str:
    c = res.get("ort_c_api")
    return c.get("note", "?") if isinstance(c, dict) else str(c)


def targets(res: dict) -> list[list[str]]:
    rows = []
    for d in ok_runs(res["float"]):
        t, c = variant(d, "trigrt"), variant(d, "plain_c")
        if c:
            r = ratio(t["p50"], c["p50"])
            rb = ratio(t["block_ns_per_call"], c["block_ns_per_call"])
            rows.append(["float ≤ 1.0× the plain C loop (p50)", d["name"], f"{ns(t['p50'])} / {ns(c['p50'])} = {x(r)} (blocks of 32: {x(rb)})",
                         "**met**" if r is not None and r <= 1.0 else "**missed**"])
    for d in ok_runs(res["float"]):
        t, oc, o = variant(d, "trigrt"), variant(d, "ort_c"), variant(d, "ort_python")
        if d["name"] in DENSE_TARGET_ORT:
            need = DENSE_TARGET_ORT[d["name"]]
            py = f"ORT Python IOBinding / trigrt = {x(ratio(o['p50'], t['p50']), 1)}" if o else ""
            if oc:
                r = ratio(oc["p50"], t["p50"])
                rows.append([f"≥ {need:g}× faster than ONNX Runtime's C API (p50)", d["name"],
                             f"{ns(oc['p50'])} / {ns(t['p50'])} = {x(r, 1)}" + (f" ({py})" if py else ""),
                             "**met**" if r is not None and r >= need else "**missed**"])
            else:
                rows.append([f"≥ {need:g}× faster than ONNX Runtime's C API (p50)", d["name"],
                             f"C API not measured (see Versions){'; ' + py if py else ''}", "not measured (C API)"])
    for d in ok_runs(res["fixed"]):
        t, t32, c = variant(d, "trigrt"), variant(d, "trigrt_f32"), variant(d, "csim")
        if c:
            r = ratio(c["p50"], t["p50"])
            r32 = ratio(c["p50"], t32["p50"]) if t32 else None
            f32 = f"; float32 I/O (`run`): {ns(t32['p50'])}, {x(r32, 0)}" if t32 else ""
            rows.append([f"fixed ≥ {FIXED_TARGET:g}× faster than hls4ml's C simulation (p50, run_f64)", label(d),
                         f"{ns(c['p50'])} / {ns(t['p50'])} = {x(r, 0)}{f32}",
                         "**met**" if r is not None and r >= FIXED_TARGET else "**missed**"])
            if d["name"] in FIXED_STRETCH:
                need = FIXED_STRETCH[d["name"]]
                v32 = "" if r32 is None else f"; float32 I/O {'met' if r32 >= need else 'missed'} ({x(r32, 0)})"
                rows.append([f"stretch: fixed ≥ {need:g}× faster than hls4ml's C simulation (p50, run_f64)", label(d), x(r, 0),
                             ("**met**" if r is not None and r >= need else "**missed**") + v32])
    for d in ok_runs(res["float"]):
        t = variant(d, "trigrt")
        for key in ("ort_c", "ort_python"):
            o = variant(d, key)
            if o:
                r = ratio(t["throughput"].get("256"), o["throughput"].get("256"))
                rows.append([f"batch 256: throughput ≥ ORT's / 1.2 ({SHORT[key]})", d["name"],
                             f"{rate(t['throughput'].get('256'))} vs {rate(o['throughput'].get('256'))} = {x(r)}",
                             "**met**" if r is not None and r >= 1 / 1.2 else "**missed**"])
    return rows


def ratio_rows(res: dict) -> list[list[str]]:
    """The headline ratios: one row per model (float) and per model/config (fixed)."""
    rows = []
    for d in ok_runs(res["float"]):
        t, c, oc, o = (variant(d, k) for k in ("trigrt", "plain_c", "ort_c", "ort_python"))
        rows.append([d["name"], "float", ns(t["p50"]), "–",
                     f"{x(ratio(t['p50'], c['p50']))} ({ns(c['p50'])})" if c else "–",
                     f"{x(ratio(oc['p50'], t['p50']), 1)} ({ns(oc['p50'])})" if oc else "–",
                     f"{x(ratio(o['p50'], t['p50']), 1)} ({ns(o['p50'])})" if o else "–", "–", "–"])
    for d in ok_runs(res["fixed"]):
        t, t32, c = variant(d, "trigrt"), variant(d, "trigrt_f32"), variant(d, "csim")
        rows.append([label(d), "fixed", ns(t["p50"]), ns(t32["p50"]) if t32 else "–", "–", "–", "–",
                     f"{x(ratio(c['p50'], t['p50']), 0)} ({ns(c['p50'])})" if c else "–",
                     x(ratio(c["p50"], t32["p50"]), 0) if c and t32 else "–"])
    return rows


# ----------------------------------------------------------------------------- tables

def table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def latency_rows(d: dict) -> list[list[str]]:
    rows = []
    for key in PEER_ORDER:
        v = variant(d, key)
        if not v:
            continue
        rows.append([v["name"], f"{v['calls']:,}", ns(v["p50"]), ns(v["p90"]), ns(v["p99"]), ns(v["p999"]), ns(v["max"]),
                     ns(v["block_ns_per_call"]) if v.get("block_ns_per_call") is not None else "–", heap_per_run(v),
                     rate(v["throughput"].get("1")), rate(v["throughput"].get("16")), rate(v["throughput"].get("256"))])
    return rows


LAT_HEADER = ["", "timed calls", "p50", "p90", "p99", "p99.9", "max", "block of 32, per call", "heap calls / run",
              "batch 1", "batch 16", "batch 256"]


def variant_any(res: dict, key: str) -> bool:
    return any(variant(d, key) for d in ok_runs(res["float"]))


def write(res: dict, bench_dir: str) -> None:
    out_dir = os.path.join(bench_dir, "results")
    os.makedirs(out_dir, exist_ok=True)
    plots = make_plots(res, out_dir)
    m, v = res["machine"], res["versions"]
    L = []
    L.append("# trigrt benchmark results\n")
    L.append(f"Generated by `make bench` ({'quick run, ' if res.get('quick') else ''}`Benchmarks/bench.py`, tables and plots by "
             f"`Benchmarks/report.py`) on {res['date']} in {res['total_seconds']:.0f} s. Every number below is from that one run; "
             "regenerate with `make bench` rather than editing. The last section (profiles) is `Benchmarks/ANALYSIS.md`, "
             "written by hand from `make bench-profile`.\n")
    loads = [d["load_before"][0] for d in res["float"] + res["fixed"] if "load_before" in d]
    L.append("## Machine\n")
    L.append(table(["", ""], [
        ["CPU", f"{m['cpu']} ({m['vendor']}, {m['family_model']}), hypervisor: {m['hypervisor']}"],
        ["ISA flags", " ".join(m["isa"]) + (f"; no {' '.join(m['no_isa'])}" if m["no_isa"] else "")],
        ["cores", f"{m['cores']} ({m['threads_per_core']} thread per core); {m['caches']}"],
        ["memory, OS", f"{m['memory_gib']} GiB; {m['os']}, Linux {m['kernel']}"],
        ["load average (1, 5, 15 min)", f"start {' '.join(map(str, res['load_start']))}; end {' '.join(map(str, res['load_end']))}; "
                                        f"1-min load at the start of each run: {min(loads):.2f} to {max(loads):.2f}" if loads else ""],
    ]))
    L.append("\nThe machine is shared: other tenants' builds and tests ran on the same 2 cores during the run (the load average "
             "above). Preemption shows in every peer's p99.9 and max alike; the medians and the ratios, measured interleaved, "
             "are what to compare.\n")
    L.append("## Versions\n")
    L.append(table(["", ""], [
        ["trigrt", f"{res['float'][0].get('trigrt_version', '?') if res['float'] else '?'} (release build, `make prefix`: x86-64-v3, static Swift runtime)"],
        ["Swift", v["swift"]], ["C / C++ compiler", f"{v['gcc']}; plain C loop `-O3 -march=x86-64-v3`, driver `g++ -O2`"],
        ["OpenBLAS", f"Debian {v['openblas_deb']}; {next((d['checks'].get('openblas') for d in ok_runs(res['float']) if d['checks'].get('openblas')), '?')}; OPENBLAS_NUM_THREADS=1"],
        ["ONNX Runtime", f"{v['onnxruntime']} (pip), Python API with IOBinding, in the driver's process: "
                         f"{next((d['checks'].get('ort_settings') for d in ok_runs(res['float']) if d['checks'].get('ort_settings')), res.get('ort_python'))}"],
        ["ONNX Runtime C API", ort_c_note(res) + (f"; same session settings as the Python peer; per call `OrtApi::RunWithBinding` with input and "
                                                  "output OrtValues created and bound once over the driver's buffers" if variant_any(res, "ort_c") else "")],
        ["hls4ml", f"{v['hls4ml']} (C simulation compiled by its build_lib.sh with {v['g++']}; Vivado backend, io_parallel, Latency)"],
        ["Python, numpy, onnx, qonnx, matplotlib", f"{v['python']}, {v['numpy']}, {v['onnx']}, {v['qonnx']}, {v['matplotlib']}"],
    ]))
    L.append("\n## Ratios (batch-1 medians, same run, interleaved)\n")
    L.append(f"Command: `{res.get('command', 'make bench')}` (from the repository root; {res['cycles']:,} interleaved cycles, "
             f"{res['cycles'] * 32:,} timed batch-1 calls of trigrt per row). Each ratio is of medians measured in the same process, "
             "the peers interleaved with trigrt; the peer's own median in parentheses.\n")
    L.append(table(["model", "mode", "trigrt p50", "trigrt fixed p50, float32 I/O", "trigrt / plain C", "ORT C API / trigrt",
                    "ORT Python / trigrt", "hls4ml csim / trigrt fixed (run_f64)", "hls4ml csim / trigrt fixed (float32 I/O)"],
                   ratio_rows(res)))
    L.append("\nFixed mode has two entry points: `trigrt_session_run_f64` (double in and out, exact for any double, "
             "the counterpart of the C simulation's `myproject_double`, which the timings use) and `trigrt_session_run` "
             "(float32 in and out, with the vectorised input quantizer; checked bit for bit against `myproject_float`).\n")
    L.append("\n## Targets (batch 1 medians and batch-256 throughput, same run)\n")
    L.append(table(["target", "model", "measured", "verdict"], targets(res)))
    L.append("")

    # ---- float summary
    L.append("## Float mode\n")
    L.append(f"Batch-1 latency per call through the C ABI (`trigrt_session_run`), from the C++ driver; "
             f"{res['cycles']:,} interleaved cycles. Per-call times include the clock's own cost "
             f"(~{ok_runs(res['float'])[0]['timer_overhead_ns']:.0f} ns, `clock_gettime` twice); the *block* column is 32 back-to-back "
             "calls timed together, divided by 32 (no clock in between). Throughput columns: samples per second at batch 1, 16 and "
             "256 (trigrt: one session with max_batch 256; plain C: its batch-1 loop per sample; OpenBLAS: sgemm per layer; "
             "ORT: one bound run per batch).\n" if ok_runs(res["float"]) else "")
    srows = []
    for d in ok_runs(res["float"]):
        t, c, b, oc, o = (variant(d, k) for k in ("trigrt", "plain_c", "openblas", "ort_c", "ort_python"))
        srows.append([d["name"], ns(t["p50"]), ns(c["p50"]) if c else "–", x(ratio(t["p50"], c["p50"])) if c else "–",
                      ns(b["p50"]) if b else "–", ns(oc["p50"]) if oc else "–", x(ratio(oc["p50"], t["p50"]), 1) if oc else "–",
                      ns(o["p50"]) if o else "–", x(ratio(o["p50"], t["p50"]), 1) if o else "–",
                      ns(t["p999"]), heap_per_run(t), f"{d['load_ms']:.2f} ms", ns(d["session_create_us"] * 1e3),
                      " / ".join(nbytes(d["arena_bytes"][k]) for k in ("1", "16", "256")), rss_text(res, f"{d['name']}/float")])
    if srows:
        L.append(table(["model", "trigrt p50", "plain C p50", "trigrt / plain C", "OpenBLAS p50", "ORT C API p50", "ORT C / trigrt",
                        "ORT Python p50", "ORT Python / trigrt",
                        "trigrt p99.9", "trigrt heap calls / run", "model load", "session create", "arena (batch 1 / 16 / 256)",
                        "peak RSS, trigrt-only process (+ model)"], srows))
        L.append("")
    for d in res["float"]:
        if "variants" not in d:
            L.append(f"### {d['name']}\n\nnot run: {d.get('error', '?')}\n")
            continue
        L.append(f"### {d['name']} (float)\n")
        L.append(table(LAT_HEADER, latency_rows(d)))
        extra = [n for n in d.get("notes", [])]
        ch = d["checks"]
        agree = [f"{k.split('_max')[0].replace('_', ' ')} {ch[k]:.1e}" for k in ("plain_c_max_abs_diff", "openblas_max_abs_diff", "ort_c_max_abs_diff", "ort_max_abs_diff") if k in ch]
        if agree:
            extra.append("outputs agree with trigrt's on the 64 rows (max |difference|): " + ", ".join(agree))
        extra.append(f"load average {d['load_before'][0]:.2f} → {d['load_after'][0]:.2f}; latency phase {d['latency_seconds']:.1f} s, throughput phase {d['throughput_seconds']:.1f} s")
        L.append("\n" + "\n".join(f"- {e}" for e in extra) + "\n")
        key = "cdf-" + d["name"]
        if key in plots:
            L.append(f"![latency CDF, {d['name']}](results/{plots[key]})\n")

    # ---- fixed
    L.append("## Fixed mode\n")
    L.append("trigrt's bit-accurate fixed mode through `trigrt_session_run_f64` on the cleaned model hls4ml was given and its "
             "precision config, next to hls4ml 1.3.0's C simulation of the same model and config (`myproject_double` from the "
             "library hls4ml's `build_lib.sh` compiled), called natively in the same process, on the golden inputs of "
             "`firmware-sim/goldens/`. The outputs of both are compared bit for bit in the same run (up to 4,000 rows, batch 1 "
             "and batched). trigrt's other fixed entry point, `trigrt_session_run` (float32 inputs and outputs, the vectorised "
             "input quantizer), is timed too on the same rows rounded to float32, and checked bit for bit against the C "
             "simulation's `myproject_float` (1,000 rows). The C simulation takes far longer per call, so it makes fewer timed calls per cycle (a 4-second "
             "budget) but is interleaved over all cycles.\n")
    frows = []
    for d in ok_runs(res["fixed"]):
        t, t32, c = variant(d, "trigrt"), variant(d, "trigrt_f32"), variant(d, "csim")
        ch = d["checks"]
        exact = f"{ch['bit_exact_rows']:,} rows: {ch['differing_outputs_batch1']} / {ch['differing_outputs_batched']} differ" if "bit_exact_rows" in ch else "–"
        if "differing_outputs_float32" in ch:
            exact += f"; float32 I/O, {ch.get('bit_exact_rows_float32', 0):,} rows: {ch['differing_outputs_float32']} differ"
        key = f"{d['name']}/fixed/{d.get('config', '')}"
        frows.append([label(d), ns(t["p50"]), ns(t["p99"]), ns(t["p999"]), ns(t32["p50"]) if t32 else "–",
                      ns(c["p50"]) if c else "–", x(ratio(c["p50"], t["p50"]), 0) if c else "–",
                      x(ratio(c["p50"], t32["p50"]), 0) if c and t32 else "–",
                      rate(t["throughput"].get("256")), rate(c["throughput"].get("256")) if c else "–",
                      x(ratio(t["throughput"].get("256"), c["throughput"].get("256")), 0) if c else "–", exact, heap_per_run(t),
                      f"{d['load_ms']:.1f} ms", nbytes(d["arena_bytes"]["1"]), rss_text(res, key)])
    if frows:
        L.append(table(["model / config", "trigrt p50 (run_f64)", "p99", "p99.9", "trigrt p50 (float32 I/O)", "csim p50",
                        "csim / trigrt", "csim / trigrt float32 I/O", "trigrt batch 256", "csim batch 256",
                        "batch-256 ratio", "bit-exact check", "trigrt heap calls / run", "model load", "arena (batch 1)",
                        "peak RSS, trigrt-only process (+ model)"], frows))
        L.append("")
    for d in res["fixed"]:
        if "variants" not in d:
            reason = "unsupported in fixed mode: " if d.get("unsupported") else "not run: "
            L.append(f"- {label(d)}: {reason}{d.get('error', '?')}")
    L.append("")
    for d in ok_runs(res["fixed"]):
        L.append(f"### {label(d)} (fixed)\n")
        L.append(table(LAT_HEADER, latency_rows(d)))
        notes = d.get("notes", []) + [f"load average {d['load_before'][0]:.2f} → {d['load_after'][0]:.2f}"]
        L.append("\n" + "\n".join(f"- {n}" for n in notes) + "\n")
    for name in sorted({d["name"] for d in ok_runs(res["fixed"])}):
        if "cdf-fixed-" + name in plots:
            L.append(f"![fixed-mode latency CDF, {name}](results/{plots['cdf-fixed-' + name]})\n")

    # ---- throughput plots
    L.append("## Throughput\n")
    for k in ("throughput-float", "throughput-fixed"):
        if k in plots:
            L.append(f"![{k}](results/{plots[k]})\n")

    # ---- CLI threads
    crow = []
    for d in res["cli_threads"]:
        if "latency_ns" not in d:
            crow.append([d["name"], d["threads"], "error", d.get("error", ""), "", "", ""])
            continue
        lat = d["latency_ns"]
        per = ", ".join(ns(t["latency_ns"]["p50"]) for t in d["per_thread"])
        crow.append([d["name"], d["threads"], ns(lat["p50"]), per, ns(lat["p99"]), ns(lat["p999"]), rate(d["throughput_samples_per_s"])])
    if crow:
        L.append("## `trigrt bench --threads`: threads sharing one model\n")
        L.append("`trigrt bench MODEL --input Models/MODEL.inputs.npy --threads T --iterations 100000 --json` (float, batch 1): T threads "
                 "share the loaded model, one session each. The machine has 2 cores and other tenants, so 2 threads compete with them.\n")
        L.append(table(["model", "threads", "p50 (all calls)", "p50 per thread", "p99", "p99.9", "aggregate throughput"], crow))
        L.append("")

    L.append("## How measured\n")
    L.append("\n".join(f"- {s}" for s in [
        "One C++ process per (model, mode, config): `Benchmarks/driver/bench_driver.cpp`, linked against the installed "
        "`libtrigrt.so`, calls trigrt as a framework does (load once, one session, `trigrt_session_run` / `_run_f64` per call).",
        f"Interleaving: {res['cycles']:,} cycles; in each, every variant in turn (the order rotated by one each cycle) makes 4 untimed "
        "warm-up calls, 32 calls each timed with `clock_gettime(CLOCK_MONOTONIC)`, and 32 calls timed as one block. trigrt gets "
        f"{res['cycles'] * 32:,} per-call samples. Peers whose full share would exceed 4 s make fewer timed calls per cycle, without "
        "warm-up or block, in every cycle.",
        "Inputs: the same 64 rows for every variant (the model's `Models/*.inputs.npy`, or the golden inputs in fixed mode), cycled; "
        "caches warm. Batches: the first 256 rows.",
        "Throughput: per batch size, the variants alternate call by call; median call time → samples/s. Each such call starts "
        "with the caches holding the previous peer's weights and activations, so batch-1 throughput is below 1 / p50 of the "
        "latency rows (where a variant makes 68 calls in a row) for every peer alike; trigrt's batches run on its max_batch-256 "
        "session.",
        "Heap calls: the driver defines `malloc`, `calloc`, `realloc`, `free`, `memalign`, `aligned_alloc`, `posix_memalign` and "
        "`valloc` itself (interposing libc's for every library in the process, including libtrigrt.so's static Swift runtime) and "
        "counts them during each variant's timed calls. ORT Python's count includes the interpreter's allocations around its call; "
        "ORT C API's is ONNX Runtime's own per `Run`.",
        "Peak RSS: a separate small C process (`Benchmarks/driver/rss_probe.c`, linked only against libtrigrt.so) loads the model, "
        "creates a batch-1 and a batch-256 session and runs 20,000 + 20 calls; VmHWM at the end, and (+) its increase over the "
        "process's own before the load (model, plan, arenas, Swift runtime state).",
        "Model load: median of repeated `trigrt_model_load_file` (≥ 5, ≤ 2 s); session create: `trigrt_session_create(…, 1)`.",
        "Arena: `trigrt_model_arena_size(model, B)` for B = 1, 16, 256.",
        "Correctness in the same run: trigrt, plain C, OpenBLAS and both ORT peers' outputs agree within 1e-4 (the driver stops otherwise); "
        "fixed mode bit for bit against the C simulation (counted above; `make bench` fails if any differ or trigrt allocates).",
    ]))
    L.append("")
    prof = os.path.join(bench_dir, "results", "profile.md")
    if os.path.exists(prof):
        L.append("## Instruction counts (`make bench-profile`)\n")
        L.append("perf's hardware counters are not available in this VM (`perf stat -e instructions true`: not supported), so "
                 "the profiles count executed instructions with callgrind: exact and repeatable whatever the machine's load, and "
                 "they do not depend on this run's timing (they were taken on the same build).\n")
        L.append(open(prof).read().rstrip() + "\n")
    analysis = os.path.join(bench_dir, "ANALYSIS.md")
    if os.path.exists(analysis):
        L.append(open(analysis).read().rstrip() + "\n")
    if res.get("problems"):
        L.append("## Problems in this run\n")
        L.append("\n".join(f"- {p}" for p in res["problems"]) + "\n")
    with open(os.path.join(bench_dir, "RESULTS.md"), "w") as f:
        f.write("\n".join(L))


# ----------------------------------------------------------------------------- plots

def time_axis(ax):
    from matplotlib.ticker import FuncFormatter
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: ns(v).replace(".0 ", " ")))


def nines_axis(ax):
    import numpy as np
    ticks = [0, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999]
    ax.set_yticks([-np.log10(1 - p) if p < 1 else 5 for p in ticks])
    ax.set_yticklabels(["0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"])
    ax.set_ylim(0, 5.2)
    ax.grid(True, which="both", alpha=0.3)


def cdf_xy(v):
    import numpy as np
    pts = [(p, q) for p, q in v["cdf"] if p < 1]
    p = np.array([a for a, _ in pts])
    q = np.array([b for _, b in pts])
    y = -np.log10(np.maximum(1 - p, 1e-5))
    # the maximum at the last point's height plus one step: visible, not at infinity
    return np.append(q, v["max"]), np.append(y, min(5.1, y[-1] + 0.15))


def make_plots(res: dict, out_dir: str) -> dict:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = {}
    stamp = f"{res['machine']['cpu']}, {res['machine']['cores']} cores, load {res['load_start'][0]:.1f}–{res['load_end'][0]:.1f}; {res['date'][:16]}"
    for d in ok_runs(res["float"]):
        fig, ax = plt.subplots(figsize=(8, 5))
        for key in PEER_ORDER:
            v = variant(d, key)
            if not v:
                continue
            xs, ys = cdf_xy(v)
            ax.step(xs, ys, where="post", color=COLORS[key], lw=1.8, label=f"{v['name']}: p50 {ns(v['p50'])}, p99 {ns(v['p99'])}")
        time_axis(ax)
        nines_axis(ax)
        ax.set_xlabel("latency per call, batch 1 (log scale; clock overhead included)")
        ax.set_ylabel("fraction of calls at or below")
        ax.set_title(f"{d['name']}, float: batch-1 latency CDF ({variant(d, 'trigrt')['calls']:,} trigrt calls)")
        ax.legend(loc="lower right", fontsize=8)
        fig.text(0.01, 0.01, stamp, fontsize=7, color="gray")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        fn = f"cdf-{d['name']}.png"
        fig.savefig(os.path.join(out_dir, fn), dpi=110)
        plt.close(fig)
        made[f"cdf-{d['name']}"] = fn

    fixed_by_model = {}
    for d in ok_runs(res["fixed"]):
        fixed_by_model.setdefault(d["name"], []).append(d)
    cmap = plt.get_cmap("tab10")
    for name, ds in fixed_by_model.items():
        fig, ax = plt.subplots(figsize=(11.5, 5))
        for i, d in enumerate(ds):
            cfg = d.get("config") or "QONNX, no config"
            for key, style in (("trigrt", "-"), ("trigrt_f32", ":"), ("csim", "--")):
                v = variant(d, key)
                if not v:
                    continue
                xs, ys = cdf_xy(v)
                ax.step(xs, ys, where="post", color=cmap(i), ls=style, lw=1.6,
                        label=f"{SHORT[key]} {cfg}: p50 {ns(v['p50'])}")
        time_axis(ax)
        nines_axis(ax)
        ax.set_xlabel("latency per call, batch 1 (log scale)")
        ax.set_ylabel("fraction of calls at or below")
        ax.set_title(f"{name}, fixed: trigrt run_f64 (solid), float32 I/O (dotted), hls4ml 1.3.0 csim (dashed)", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, borderaxespad=0)
        fig.text(0.01, 0.01, stamp, fontsize=7, color="gray")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        fn = f"cdf-fixed-{name}.png"
        fig.savefig(os.path.join(out_dir, fn), dpi=110)
        plt.close(fig)
        made[f"cdf-fixed-{name}"] = fn

    fl = ok_runs(res["float"])
    if fl:
        cols = min(2, len(fl))
        rows = (len(fl) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 4.2 * rows), squeeze=False)
        for ax in axes.flat[len(fl):]:
            ax.axis("off")
        for ax, d in zip(axes.flat, fl):
            for key in PEER_ORDER:
                v = variant(d, key)
                if not v or not v["throughput"]:
                    continue
                bs = sorted(int(b) for b in v["throughput"])
                ax.plot(bs, [v["throughput"][str(b)] for b in bs], "o-", color=COLORS[key], label=SHORT[key])
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xticks([1, 16, 256])
            ax.set_xticklabels(["1", "16", "256"])
            ax.set_title(f"{d['name']} (float)")
            ax.set_xlabel("batch")
            ax.grid(True, which="both", alpha=0.3)
        for ax in axes[:, 0]:
            ax.set_ylabel("samples / s (one thread)")
        axes[0][0].legend(fontsize=8)
        fig.text(0.01, 0.01, stamp, fontsize=7, color="gray")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        fig.savefig(os.path.join(out_dir, "throughput-float.png"), dpi=100)
        plt.close(fig)
        made["throughput-float"] = "throughput-float.png"
    if fixed_by_model:
        n = len(fixed_by_model)
        cols = min(2, n)
        rows = (n + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 4.2 * rows), squeeze=False)
        for ax in axes.flat[n:]:
            ax.axis("off")
        for ax, (name, ds) in zip(axes.flat, fixed_by_model.items()):
            for i, d in enumerate(ds):
                cfg = d.get("config") or "QONNX"
                for key, style in (("trigrt", "o-"), ("trigrt_f32", "^:"), ("csim", "s--")):
                    v = variant(d, key)
                    if not v or not v["throughput"]:
                        continue
                    bs = sorted(int(b) for b in v["throughput"])
                    ax.plot(bs, [v["throughput"][str(b)] for b in bs], style, color=cmap(i), label=f"{SHORT[key]} {cfg}", ms=4)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xticks([1, 16, 256])
            ax.set_xticklabels(["1", "16", "256"])
            ax.set_title(f"{name} (fixed)")
            ax.set_xlabel("batch")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7, ncol=2)
        for ax in axes[:, 0]:
            ax.set_ylabel("samples / s (one thread)")
        fig.text(0.01, 0.01, stamp + "; solid: trigrt, dashed: hls4ml C simulation", fontsize=7, color="gray")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        fig.savefig(os.path.join(out_dir, "throughput-fixed.png"), dpi=100)
        plt.close(fig)
        made["throughput-fixed"] = "throughput-fixed.png"
    return made


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results", "results.json")
    write(json.load(open(path)), HERE)
