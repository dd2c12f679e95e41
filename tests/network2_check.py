"""Reads nnlab's model files with the book's own network2.py: a test of
the files' format, run when NNLAB_NETWORK2_PY names the book's network2.py
(tests/test_nn_model_io.c). network2.py is Python 2 code; it is converted
with lib2to3 into a scratch directory and imported from there, not kept.

Usage: python3 tests/network2_check.py NETWORK2_PY SCRATCH DATA_DIR MODEL.json OTHER.json
Prints the count network2.py's accuracy() gives on DATA_DIR's t10k split
with MODEL.json, then whether its load() refuses OTHER.json (a net it does
not compute)."""
import gzip
import os
import shutil
import struct
import sys
import warnings

import numpy as np

src, scratch, data, model, other = sys.argv[1:6]
warnings.simplefilter("ignore")
from lib2to3 import refactor  # noqa: E402

os.makedirs(scratch, exist_ok=True)
shutil.copy(src, os.path.join(scratch, "network2.py"))
tool = refactor.RefactoringTool(refactor.get_fixers_from_package("lib2to3.fixes"))
tool.refactor([os.path.join(scratch, "network2.py")], write=True)
sys.path.insert(0, scratch)
import network2  # noqa: E402


def idx(path):
    with gzip.open(path) as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xff), f.read(4 * (magic & 0xff)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


images = idx(os.path.join(data, "t10k-images-idx3-ubyte.gz"))
labels = idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz"))
test = [(np.reshape(x, (-1, 1)) / 255.0, int(y)) for x, y in zip(images, labels)]
net = network2.load(model)
print("accuracy %d / %d" % (net.accuracy(test), len(test)))
try:
    network2.load(other)
    print("other loaded")
except (KeyError, AttributeError) as e:
    print("other refused: %s %s" % (type(e).__name__, e))
