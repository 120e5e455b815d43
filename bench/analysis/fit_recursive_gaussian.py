#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fits the coefficients of the recursive Gaussian in rasters/gaussian_convolution.cpp.

exp(-t^2/2) is approximated on t >= 0 by sum_k 2*Re(a_k * exp(-lambda_k * t)) with three complex
pairs (Deriche's form with one more pair), minimising the largest absolute error: least squares from
random starts, then L^p norms with p rising to 256 (a smooth path to the minimax solution).
Needs python3-numpy and python3-scipy (Debian packages). Prints the table and the error.
Usage: bench/analysis/fit_recursive_gaussian.py [--pairs 3] [--seed 1] [--starts 12]
"""
import argparse

import numpy as np
from scipy.optimize import least_squares, minimize


def model(p, t, pairs):
    s = np.zeros_like(t)
    for k in range(pairs):
        a = p[4 * k] + 1j * p[4 * k + 1]
        lam = p[4 * k + 2] + 1j * p[4 * k + 3]
        s = s + 2 * np.real(a * np.exp(-lam * t))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--starts", type=int, default=12)
    args = ap.parse_args()
    t = np.linspace(0, 16, 1601)
    target = np.exp(-t * t / 2)
    rng = np.random.default_rng(args.seed)
    best = None
    for _ in range(args.starts):
        p0 = np.concatenate([[rng.normal(0, 1), rng.normal(0, 1), rng.uniform(1, 3), rng.uniform(0, 3)]
                             for _ in range(args.pairs)])
        try:
            r = least_squares(lambda p: model(p, t, args.pairs) - target, p0, xtol=1e-15, ftol=1e-15,
                              gtol=1e-15, max_nfev=3000)
        except (ValueError, FloatingPointError):
            continue
        err = np.abs(model(r.x, t, args.pairs) - target).max()
        if np.all(r.x[2::4] > 0) and (best is None or err < best[0]):
            best = (err, r.x)
    p = best[1]
    for power in (8, 16, 32, 64, 128, 256):
        def norm(q, power=power):
            return np.log(np.sum(np.abs(model(q, t, args.pairs) - target) ** power) + 1e-300) / power
        p = minimize(norm, p, method="BFGS", options={"gtol": 1e-14, "maxiter": 5000}).x
        p = minimize(norm, p, method="Nelder-Mead",
                     options={"maxiter": 60000, "maxfev": 60000, "xatol": 1e-14, "fatol": 1e-16}).x
    fine = np.linspace(0, 40, 400001)
    err = np.abs(model(p, fine, args.pairs) - np.exp(-fine * fine / 2)).max()
    print(f"// max |error| on t in [0, 40]: {err:.3g}")
    for k in range(args.pairs):
        print("    {" + ", ".join(repr(float(v)) for v in p[4 * k:4 * k + 4]) + "},")


if __name__ == "__main__":
    main()
