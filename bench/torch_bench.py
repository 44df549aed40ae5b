"""PyTorch's side of npm run bench: one row per process, as bench/child.js is for the Node
contenders. Reads the job (JSON) on stdin: the workload, the kind's torch.nn class name, threads,
pass ("forward" or "forward+backward": forward + out.sum().backward(), gradients of x and every
parameter), the files run.js wrote (weights.npz: the state_dict; inputs.npz: x; reference.npz: the
engine's outputs or gradients on that input). Runs the row once, checks it against the reference
(largest absolute difference per tensor), and only if it agrees within the tolerance times it.
Prints one JSON line: status, check, samples_ms, cpu_per_wall, max_rss_kb and what it ran on (torch
version, threads, the BLAS libraries mapped into the process).

`torch_bench.py --probe NAME...` prints the version, the BLAS mapped and which of the names torch.nn
has. Needs Debian's python3-torch (the project's tests never do).
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch


def blas_libraries():
    """The BLAS and LAPACK libraries mapped into this process: what LD_LIBRARY_PATH chose."""
    with open("/proc/self/maps") as maps:
        return sorted({line.split()[-1] for line in maps if "blas" in line or "lapack" in line})


def emit(result):
    # JSON has no Infinity: a check that found a missing or non-finite tensor says so in `tensors`.
    for key in ("max_abs_diff", "scaled_diff"):
        if "check" in result and result["check"][key] == float("inf"):
            result["check"][key] = None
    result["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # OS threads of the process at the end: torch's OpenMP threads and OpenBLAS's show here.
    result["os_threads"] = len(os.listdir("/proc/self/task"))
    print(json.dumps(result))
    sys.exit(0)


def info():
    config = torch.__config__.show()
    blas_info = next((part.split("=")[1] for part in config.replace(",", " ").split() if part.startswith("BLAS_INFO=")), None)
    return {"version": torch.__version__, "threads": torch.get_num_threads(), "blas_info": blas_info, "blas": blas_libraries()}


def check(got, reference):
    """As bench/child.js's check: the largest |a - b| per tensor, and scaled_diff, each tensor's
    divided by its largest |value| where that passes 1 (float32 rounding of gradients summed over
    every step and batch row)."""
    tensors = {}
    worst = 0.0
    scaled = 0.0
    for name in reference.files:
        want = reference[name]
        have = got.get(name)
        if have is None or have.size != want.size:
            tensors[name] = "missing" if have is None else f"size {have.size}, expected {want.size}"
            worst = scaled = float("inf")
            continue
        d = float(np.max(np.abs(have.reshape(-1).astype(np.float64) - want.reshape(-1).astype(np.float64)))) if want.size else 0.0
        if d != d or d == float("inf"):
            tensors[name] = "not finite"
            worst = scaled = float("inf")
            continue
        tensors[name] = d
        worst = max(worst, d)
        scaled = max(scaled, d / max(1.0, float(np.max(np.abs(want))) if want.size else 1.0))
    return {"max_abs_diff": worst, "scaled_diff": scaled, "tensors": tensors}


def main():
    if sys.argv[1:2] == ["--probe"]:
        print(json.dumps({**info(), "classes": [n for n in sys.argv[2:] if isinstance(getattr(torch.nn, n, None), type)]}))
        return
    job = json.load(sys.stdin)
    torch.set_num_threads(job["threads"])
    w = job["workload"]
    cls = getattr(torch.nn, job["kind_name"], None)
    if not isinstance(cls, type):
        emit({"status": "skipped", "reason": f"torch.nn has no {job['kind_name']}", "info": info()})
    m = cls(w["input_size"], w["hidden_size"], num_layers=w["num_layers"]).eval()
    weights = np.load(job["files"]["weights"])
    m.load_state_dict({k: torch.from_numpy(weights[k].copy()) for k in weights.files})
    x = torch.from_numpy(np.load(job["files"]["inputs"])["x"].copy())
    reference = np.load(job["files"]["reference"])

    if job["pass"] == "forward":
        def run():
            with torch.no_grad():
                return m(x)

        def outputs(r):
            out, state = r
            h, c = state if isinstance(state, tuple) else (state, None)
            got = {"out": out.numpy(), "h_n": h.numpy()}
            if c is not None:
                got["c_n"] = c.numpy()
            return got
    else:
        x.requires_grad_(True)

        def run():
            m.zero_grad(set_to_none=True)
            x.grad = None
            out, _ = m(x)
            out.sum().backward()

        def outputs(_):
            got = {"grad.x": x.grad.numpy()}
            for name, p in m.named_parameters():
                got[f"grad.{name}"] = p.grad.numpy()
            return got

    t0 = time.perf_counter()
    result = check(outputs(run()), reference)
    first = time.perf_counter() - t0
    if not result["scaled_diff"] <= job["tolerance"]:
        emit({"status": "mismatch", "check": result, "info": info()})
    start = time.perf_counter()
    while first < job["warmupSeconds"] and time.perf_counter() - start < job["warmupSeconds"]:
        run()
    samples = []
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    repeats = max(job["minRepeats"], min(job["repeats"], int(job["budgetSeconds"] / first)))
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) * 1e3)
    cpu_per_wall = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    emit({"status": "ok", "check": result, "samples_ms": samples, "cpu_per_wall": cpu_per_wall, "info": info()})


main()
