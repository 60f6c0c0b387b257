#!/usr/bin/env python3
"""Compare two .npy arrays: exit 1 unless |a - b| <= atol everywhere (NaN == NaN)."""
import argparse
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("actual")
p.add_argument("expected")
p.add_argument("--atol", type=float, default=1e-5)
a = p.parse_args()
x, y = np.load(a.actual).astype(np.float64), np.load(a.expected).astype(np.float64)
if x.shape != y.shape:
    sys.exit(f"shape {x.shape} != {y.shape}")
d = np.abs(x - y)
d[np.isnan(x) & np.isnan(y)] = 0
worst = float(np.nanmax(d)) if d.size else 0.0
ok = bool(np.all(d <= a.atol))
print(f"{'ok' if ok else 'MISMATCH'}: {a.actual} vs {a.expected}: max |diff| {worst:.3g} (atol {a.atol:g}), {x.shape[0]} rows")
sys.exit(0 if ok else 1)
