"""The benchmark's nets in PyTorch (Debian's python3-torch), trained as
nnlab trains them: mini-batch SGD of 10, no momentum, the examples
reshuffled each epoch, and timed per epoch. Prints one line per epoch:
"epoch E train_seconds T eval_seconds V correct C".

usage: torch_nets.py NET EPOCHS THREADS
  ch1      [784, 30, 10] sigmoid, quadratic cost, eta 3.0 (the book's chapter 1)
  ce100    [784, 100, 10] sigmoid, cross-entropy cost, eta 0.5
  conv2    the book's two conv-pool sigmoid net, 100 sigmoid, softmax, log-likelihood, eta 0.1
"""
import sys
import time

import numpy as np
import torch
from torch import nn

import mnist

net_name, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(1)
x, y, tx, ty = mnist.load()

if net_name == "ch1":
    net, eta = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid()), 3.0
    # The book's quadratic cost C = 1/2 |a - y|^2 summed over the outputs, mean over the batch.
    loss_fn = lambda out, t: 0.5 * ((out - nn.functional.one_hot(t, 10).float()) ** 2).sum(1).mean()
elif net_name == "ce100":
    net, eta = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10), nn.Sigmoid()), 0.5
    loss_fn = lambda out, t: nn.functional.binary_cross_entropy(out, nn.functional.one_hot(t, 10).float(),
                                                               reduction="sum") / len(t)
elif net_name == "conv2":
    net = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Sigmoid(),
        nn.Conv2d(20, 40, 5), nn.MaxPool2d(2), nn.Sigmoid(),
        nn.Flatten(), nn.Linear(640, 100), nn.Sigmoid(), nn.Linear(100, 10), nn.LogSoftmax(1))
    eta = 0.1
    loss_fn = nn.functional.nll_loss
    # network3.py's initialisation, as nnlab's config has it (model.init:
    # network3): weights N(0, 1/n_out), n_out = maps * k * k / pool area for
    # a conv layer, biases N(0, 1), the softmax layer zero. With PyTorch's
    # default the sigmoid net is still at chance after an epoch.
    with torch.no_grad():
        for layer, n_out in ((net[1], 20 * 5 * 5 / 4), (net[4], 40 * 5 * 5 / 4), (net[8], 100)):
            layer.weight.normal_(0, (1 / n_out) ** 0.5)
            layer.bias.normal_(0, 1)
        net[10].weight.zero_()
        net[10].bias.zero_()
else:
    raise SystemExit(__doc__)

opt = torch.optim.SGD(net.parameters(), lr=eta)
X, Y, TX, TY = map(torch.from_numpy, (x, y, tx, ty))
rng = np.random.default_rng(1)
for epoch in range(epochs):
    order = torch.from_numpy(rng.permutation(len(X)))
    t0 = time.perf_counter()
    net.train()
    for k in range(0, len(X), 10):
        idx = order[k:k + 10]
        opt.zero_grad()
        loss_fn(net(X[idx]), Y[idx]).backward()
        opt.step()
    t1 = time.perf_counter()
    net.eval()
    with torch.no_grad():
        correct = sum(int((net(TX[k:k + 1000]).argmax(1) == TY[k:k + 1000]).sum()) for k in range(0, len(TX), 1000))
    t2 = time.perf_counter()
    print("epoch %d train_seconds %.3f eval_seconds %.3f correct %d" % (epoch, t1 - t0, t2 - t1, correct), flush=True)
