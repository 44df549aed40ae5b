"""PyTorch's side of the benchmark: median seconds per forward pass for each workload, or with
"backward": true per forward pass and `out.sum().backward()` (gradients of x and every parameter).

Reads a JSON list of workloads on stdin (name, type, input_size, hidden_size, num_layers,
bidirectional, batch, seq_len, repeats, warmup, backward), prints a JSON object with the results. The first argument
is the thread count (torch.set_num_threads). Run by bench/run.js; needs Debian's python3-torch (the
project's tests never do).
"""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
results = []
for c in json.load(sys.stdin):
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[c["type"]]
    m = cls(c["input_size"], c["hidden_size"], num_layers=c["num_layers"], bidirectional=c["bidirectional"]).eval()
    x = torch.randn(c["seq_len"], c["batch"], c["input_size"])
    times = []
    if c.get("backward"):
        x.requires_grad_(True)

        def step():
            m.zero_grad(set_to_none=True)
            x.grad = None
            out, _ = m(x)
            out.sum().backward()

        if c.get("warmup", True):
            step()
        for _ in range(c["repeats"]):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
    else:
        with torch.no_grad():
            if c.get("warmup", True):
                m(x)
            for _ in range(c["repeats"]):
                t0 = time.perf_counter()
                m(x)
                times.append(time.perf_counter() - t0)
    results.append({"name": c["name"], "seconds": statistics.median(times)})
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))
