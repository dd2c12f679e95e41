"""The benchmark's fully connected nets in numpy: each mini-batch of 10 as
one float32 matrix through the layers, backpropagation as matrix
products, the book's update. Prints one line per epoch:
"epoch E train_seconds T eval_seconds V correct C".

usage: numpy_nets.py NET EPOCHS     (NET: ch1 or ce100, as torch_nets.py)
"""
import sys
import time

import numpy as np

import mnist

net_name, epochs = sys.argv[1], int(sys.argv[2])
x, y, tx, ty = mnist.load()
rng = np.random.default_rng(1)
if net_name == "ch1":
    sizes, eta, cross_entropy, scale = [784, 30, 10], 3.0, False, 1.0
elif net_name == "ce100":
    sizes, eta, cross_entropy, scale = [784, 100, 10], 0.5, True, None
else:
    raise SystemExit(__doc__)
# network.py draws N(0, 1); network2.py N(0, 1/n_in) for the weights.
ws = [(rng.standard_normal((o, i)) * (scale or 1 / np.sqrt(i))).astype(np.float32) for i, o in zip(sizes, sizes[1:])]
bs = [rng.standard_normal(o).astype(np.float32) for o in sizes[1:]]
onehot = np.eye(10, dtype=np.float32)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


for epoch in range(epochs):
    order = rng.permutation(len(x))
    t0 = time.perf_counter()
    for k in range(0, len(x), 10):
        idx = order[k:k + 10]
        acts = [x[idx]]
        for w, b in zip(ws, bs):
            acts.append(sigmoid(acts[-1] @ w.T + b))
        a, t = acts[-1], onehot[y[idx]]
        delta = (a - t) if cross_entropy else (a - t) * a * (1 - a)
        for l in range(len(ws) - 1, -1, -1):
            gw, gb = delta.T @ acts[l], delta.sum(0)
            if l:
                delta = (delta @ ws[l]) * acts[l] * (1 - acts[l])
            ws[l] -= eta / len(idx) * gw
            bs[l] -= eta / len(idx) * gb
    t1 = time.perf_counter()
    a = tx
    for w, b in zip(ws, bs):
        a = sigmoid(a @ w.T + b)
    correct = int((a.argmax(1) == ty).sum())
    t2 = time.perf_counter()
    print("epoch %d train_seconds %.3f eval_seconds %.3f correct %d" % (epoch, t1 - t0, t2 - t1, correct), flush=True)
