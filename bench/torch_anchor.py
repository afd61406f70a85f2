"""PyTorch anchor for `npm run bench:mlp` (bench/mlp.bench.ts): the Fig 6 workload of eoslab's
network engine in PyTorch on the CPU, measured in the same run as eoslab.

Network 784 -> 200 -> 200 -> 10 (tanh hidden layers, biases, linear output), n = 1000 samples,
L = (1/n) sum 1/2 ||f(x) - y||^2 with one-hot targets. Per dtype (float64, float32) and thread
count, full-batch rates of: gradient (one backward), Hessian-vector product (double backward),
GD step (gradient + in-place update) and RK4 step (4 gradients + vector updates). Inputs are
standard normal: the rates do not depend on the values.

Usage: python3 bench/torch_anchor.py [threads ...] [--seconds S]   (prints one JSON object)
Run it with OPENBLAS_CORETYPE unset so that OpenBLAS picks its best kernels for this CPU.
"""
import json
import resource
import sys
import time

import torch


def workload(dtype, n=1000, widths=(784, 200, 200, 10)):
    g = torch.Generator().manual_seed(1)
    X = torch.randn(n, widths[0], dtype=dtype, generator=g)
    Y = torch.nn.functional.one_hot(torch.arange(n) % widths[-1], widths[-1]).to(dtype)
    params = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = fan_in ** -0.5
        params.append(((torch.rand(fan_in, fan_out, dtype=dtype, generator=g) * 2 - 1) * bound).requires_grad_())
        params.append(((torch.rand(fan_out, dtype=dtype, generator=g) * 2 - 1) * bound).requires_grad_())

    def loss(ps):
        h = X
        for i in range(0, len(ps), 2):
            h = h @ ps[i] + ps[i + 1]
            if i + 2 < len(ps):
                h = torch.tanh(h)
        return 0.5 * ((h - Y) ** 2).sum() / n

    direction = [torch.randn(p.shape, dtype=dtype, generator=g) for p in params]

    def gradient(ps=params):
        return torch.autograd.grad(loss(ps), ps)

    def hvp():
        gs = torch.autograd.grad(loss(params), params, create_graph=True)
        return torch.autograd.grad(sum((a * b).sum() for a, b in zip(gs, direction)), params)

    def gd_step(eta=1e-3):
        gs = gradient()
        with torch.no_grad():
            for p, d in zip(params, gs):
                p.sub_(eta * d)

    def rk4_step(h=1e-3):
        theta = [p.detach() for p in params]
        def at(shift, k):
            return [(t - shift * d).requires_grad_() for t, d in zip(theta, k)]
        k1 = gradient()
        k2 = gradient(at(h / 2, k1))
        k3 = gradient(at(h / 2, k2))
        k4 = gradient(at(h, k3))
        with torch.no_grad():
            for p, a, b, c, d in zip(params, k1, k2, k3, k4):
                p.sub_(h / 6 * (a + 2 * b + 2 * c + d))

    # PyTorch's double backward recomputes the forward pass for every product: its HVP rate is the
    # same at a fixed and at a new θ
    return {
        "gradientsPerSecond": gradient,
        "hvpsPerSecond": hvp,
        "hvpsPerSecondNewTheta": hvp,
        "gdStepsPerSecond": gd_step,
        "rk4StepsPerSecond": rk4_step,
    }


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rate(f, seconds, rounds=3):
    """Best of `rounds` timed stretches of `seconds` each (the caller warms up first)."""
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        k = 0
        while k < 3 or time.perf_counter() - start < seconds:
            f()
            k += 1
        best = max(best, k / (time.perf_counter() - start))
    return best


def main(argv):
    seconds = 1.5
    threads = []
    i = 0
    while i < len(argv):
        if argv[i] == "--seconds":
            seconds = float(argv[i + 1])
            i += 2
        else:
            threads.append(int(argv[i]))
            i += 1
    threads = threads or [1, 2]
    results = []
    for dtype, name in ((torch.float64, "f64"), (torch.float32, "f32")):
        for t in threads:
            torch.set_num_threads(t)
            ops = workload(dtype)
            timed = [(k, f) for k, f in ops.items() if k != "hvpsPerSecondNewTheta"]
            # PyTorch's rates depend on its state (OpenBLAS's threads, allocator caches): measured
            # here, a gradient ran 30-45/s right after start and 55-93/s after an HVP and some GD
            # steps. Warm every operation up in turn, then take each one's best of 3 rounds, so the
            # anchor is PyTorch at its best.
            for _ in range(2):
                for _, f in timed:
                    rate(f, seconds / 2, 1)
            row = {"precision": name, "threads": t}
            cpu0, wall0 = cpu_seconds(), time.perf_counter()
            for key, f in timed:
                row[key] = rate(f, seconds)
            # OpenBLAS runs its own threads: CPU seconds per second shows the cores really used
            row["cpuUtilisation"] = (cpu_seconds() - cpu0) / (time.perf_counter() - wall0)
            row["hvpsPerSecondNewTheta"] = row["hvpsPerSecond"]
            results.append(row)
    print(json.dumps({"torch": torch.__version__, "blas": [l.strip() for l in torch.__config__.show().splitlines() if "BLAS" in l.upper()], "results": results}))


if __name__ == "__main__":
    main(sys.argv[1:])
