#!/usr/bin/env python3
"""NumPy (bundled OpenBLAS) baseline for one 784-300-10 inference and a batch,
the peer of `host-trainer bench-inference`: the same MNIST test images, the same
protocol (median per-call time over rounds of single-image calls after an untimed
round; median time of one forward pass over the whole batch), one thread.

  python numpy_infer.py --data data/mnist --batch 10000 --rounds 15

Prints `numpy: one image: X us; batch of N: Y ms (Z us/image)`. The network is
sigmoid hidden, softmax output, float32, random weights (the time does not depend
on the values); the answer is the arg max of the probabilities, as in nnet-core.
"""
import argparse
import os
import statistics
import sys
import time

# one BLAS thread, like nnet's one-thread figures; fixed before numpy is imported
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_mlp import MLP, load_mnist  # noqa: E402


def predict(model, x):
    """Digit and probabilities of each row of x (batch, 784)."""
    _, z = model.forward(x)
    z -= z.max(1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(1, keepdims=True)
    return z.argmax(1), z


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=2000)
    a = ap.parse_args()
    _, _, xte, _ = load_mnist(a.data)
    if not 1 <= a.batch <= xte.shape[0]:
        sys.exit(f"--batch {a.batch}: choose 1 to {xte.shape[0]}")
    images = xte[:a.batch]
    model = MLP(300, np.random.default_rng(1))
    rows = [images[k:k + 1] for k in range(min(a.calls, a.batch))]

    one = []
    for r in range(a.rounds + 1):
        s = time.perf_counter()
        for k in range(a.calls):
            predict(model, rows[k % len(rows)])
        if r > 0:
            one.append((time.perf_counter() - s) * 1e6 / a.calls)
    batch = []
    for r in range(a.rounds + 1):
        s = time.perf_counter()
        predict(model, images)
        if r > 0:
            batch.append((time.perf_counter() - s) * 1e3)
    one_us, batch_ms = statistics.median(one), statistics.median(batch)
    print(f"# numpy {np.__version__}, OPENBLAS_NUM_THREADS=1, 784-300-10, "
          f"the first {a.batch} MNIST test images, median of {a.rounds} rounds")
    print(f"numpy: one image: {one_us:.2f} us; batch of {a.batch}: {batch_ms:.2f} ms "
          f"({batch_ms * 1e3 / a.batch:.2f} us/image)")


if __name__ == "__main__":
    main()
