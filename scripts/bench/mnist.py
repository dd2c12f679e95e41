"""MNIST for the benchmark's peers: the idx files nnlab reads (data/mnist,
raw or .gz), as float32 arrays scaled to [0, 1]; the first 50,000
training images, and the 10,000 test images."""
import gzip
import os

import numpy as np


def _idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def _find(d, name):
    for p in (os.path.join(d, name), os.path.join(d, name + ".gz")):
        if os.path.exists(p):
            return p
    raise SystemExit("bench: no %s in %s" % (name, d))


def load(d=os.environ.get("NNLAB_MNIST_DIR", "data/mnist")):
    x = _idx(_find(d, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    y = _idx(_find(d, "train-labels-idx1-ubyte")).astype(np.int64)
    tx = _idx(_find(d, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    ty = _idx(_find(d, "t10k-labels-idx1-ubyte")).astype(np.int64)
    return x[:50000], y[:50000], tx, ty
