#!/usr/bin/python3
"""The PyTorch peer of a Kiln model, built from `kilnc --emit=json`.

The network is never written twice: this script reads the resolved network
kilnc prints (layers in order with their inputs, shapes, explicit padding,
activations, initialisers, training set-up) and builds the equivalent
torch.nn model with Keras semantics (channels-last flatten order, BatchNorm
momentum 1 - Keras', Adam/SGD/RMSprop with the model's hyper-parameters, L2
penalties added to the loss).

Tensors of rank 3 and 4 are kept in PyTorch's native channels-first layout
(NCW, NCHW) so its fast kernels run as they would in a PyTorch program; only
flatten, reshape, concat and softmax translate to Keras' channels-last axes.

Usage (run with Debian's /usr/bin/python3, which has python3-torch):
  torch_peer.py count MODEL.json          parameter counts and layer shape
                                          mismatches (none expected) as JSON
  torch_peer.py bench MODEL.json [options] training and inference speed as
                                          JSON (see --help)
MODEL.json is `kilnc MODEL.kiln --emit=json`, or give MODEL.kiln with
--kilnc PATH to run kilnc here.
"""

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def load_network(path, kilnc=None):
    """The resolved network: a JSON file, or a .kiln file through kilnc."""
    if path.endswith(".kiln"):
        if not kilnc:
            sys.exit("torch_peer: a .kiln file needs --kilnc PATH")
        out = subprocess.run([kilnc, path, "--emit=json"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            sys.exit("torch_peer: kilnc failed on %s" % path)
        return json.loads(out.stdout)
    with open(path) as f:
        return json.load(f)


# --- layout --------------------------------------------------------------


def keras_axis_to_torch(axis, rank):
    """A Keras (channels-last) axis of a rank-`rank` tensor, in the
    channels-first layout this peer keeps rank-3/4 tensors in."""
    if rank < 3 or axis == 0:
        return axis
    return 1 if axis == rank - 1 else axis + 1


def to_channels_last(x):
    return x.movedim(1, -1) if x.dim() >= 3 else x


def to_channels_first(x):
    return x.movedim(-1, 1) if x.dim() >= 3 else x


# --- initialisers (Keras') -------------------------------------------------


def init_tensor(t, param):
    """Fills `t` as Keras' initialiser of `param` would (same distribution;
    the element order differs from Kiln's, the statistics do not)."""
    init = param["init"]
    kind = init["kind"]
    with torch.no_grad():
        if kind == "constant":
            t.fill_(init["value"])
        elif kind == "random_uniform":
            t.uniform_(init["minval"], init["maxval"])
        elif kind == "random_normal":
            t.normal_(init["mean"], init["stddev"])
        elif kind == "truncated_normal":
            m, s = init["mean"], init["stddev"]
            nn.init.trunc_normal_(t, m, s, m - 2 * s, m + 2 * s)
        elif kind == "variance_scaling":
            fan = {"fan_in": param["fan_in"], "fan_out": param["fan_out"],
                   "fan_avg": (param["fan_in"] + param["fan_out"]) / 2}[
                       init["mode"]]
            var = init["scale"] / max(1.0, fan)
            dist = init["distribution"]
            if dist == "uniform":
                lim = math.sqrt(3 * var)
                t.uniform_(-lim, lim)
            elif dist == "truncated_normal":
                s = math.sqrt(var) / 0.87962566103423978
                nn.init.trunc_normal_(t, 0, s, -2 * s, 2 * s)
            else:
                t.normal_(0, math.sqrt(var))
        else:
            raise ValueError("unknown initialiser kind " + kind)


# --- layers ----------------------------------------------------------------


def activation_fn(name, rank):
    if name == "linear":
        return lambda x: x
    if name == "relu":
        return F.relu
    if name == "gelu":
        return F.gelu  # Keras' gelu default is the exact form, as torch's.
    if name == "sigmoid":
        return torch.sigmoid
    if name == "tanh":
        return torch.tanh
    if name == "softmax":
        return lambda x: F.softmax(x, dim=1 if x.dim() >= 3 else -1)
    raise ValueError("unknown activation " + name)


def torch_padding(pads):
    """nn.ConvNd's symmetric padding, or None with F.pad's argument (last
    axis first) when some axis pads unevenly."""
    if all(b == a for b, a in pads):
        return tuple(b for b, _ in pads), None
    flat = []
    for b, a in reversed(pads):
        flat += [b, a]
    return 0, flat


class Conv(nn.Module):
    def __init__(self, layer, cin, rank):
        super().__init__()
        cls = nn.Conv2d if rank == 2 else nn.Conv1d
        padding, self.pre_pad = torch_padding(layer["pads"])
        self.conv = cls(cin, layer["filters"], tuple(layer["kernel"]),
                        stride=tuple(layer["strides"]),
                        dilation=tuple(layer["dilations"]), padding=padding,
                        bias=layer["use_bias"])
        self.act = activation_fn(layer["activation"], rank + 2)

    def forward(self, x):
        if self.pre_pad:
            x = F.pad(x, self.pre_pad)
        return self.act(self.conv(x))


class Pool(nn.Module):
    """Max or average pooling with Keras' 'same' semantics: padded cells
    never win a max and never count in an average."""

    def __init__(self, layer, rank):
        super().__init__()
        self.is_max = layer["kind"].startswith("max")
        self.rank = rank
        self.window = tuple(layer["window"])
        self.strides = tuple(layer["strides"])
        self.pads = layer["pads"]
        self.padded = any(b or a for b, a in self.pads)
        flat = []
        for b, a in reversed(self.pads):
            flat += [b, a]
        self.flat = flat

    def forward(self, x):
        pool = {(True, 2): F.max_pool2d, (True, 1): F.max_pool1d,
                (False, 2): F.avg_pool2d, (False, 1): F.avg_pool1d}[
                    (self.is_max, self.rank)]
        if not self.padded:
            return pool(x, self.window, self.strides)
        if self.is_max:
            return pool(F.pad(x, self.flat, value=-math.inf), self.window,
                        self.strides)
        ones = torch.ones_like(x[:1, :1])
        total = pool(F.pad(x, self.flat), self.window, self.strides)
        count = pool(F.pad(ones, self.flat), self.window, self.strides)
        return total / count


class BatchNorm(nn.Module):
    """Keras BatchNormalization over the channel axis; a frozen one
    (trainable=false) always normalises with its moving statistics."""

    def __init__(self, layer, channels, rank, frozen):
        super().__init__()
        cls = nn.BatchNorm2d if rank == 4 else nn.BatchNorm1d
        self.bn = cls(channels, eps=layer["epsilon"],
                      momentum=1 - layer["momentum"])
        self.frozen = frozen
        # A rank-3 tensor (NCW) normalises over C as BatchNorm1d expects.

    def forward(self, x):
        if self.frozen:
            self.bn.eval()
        return self.bn(x)


class Dense(nn.Module):
    def __init__(self, layer, cin, rank):
        super().__init__()
        self.linear = nn.Linear(cin, layer["units"], bias=layer["use_bias"])
        self.act = activation_fn(layer["activation"], rank)

    def forward(self, x):
        if x.dim() >= 3:  # Keras' Dense acts on the last (channel) axis.
            return to_channels_first(self.act(self.linear(to_channels_last(x))))
        return self.act(self.linear(x))


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


class PeerModel(nn.Module):
    """The network as a torch.nn.Module. forward() returns logits (the final
    softmax left out, as Kiln's train step does); predict() adds it."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        layers = net["layers"]
        params = net["params"]
        self.order = []
        self.mods = nn.ModuleList()
        self.final_softmax = False
        self.logits_layer = net["output"]
        out = layers[net["output"]]
        if net["output_softmax"] and out["kind"] == "activation":
            # A separate softmax layer: the logits are its input.
            self.logits_layer = out["inputs"][0]
            self.final_softmax = True
        self.l2 = []
        self.l1 = []
        for layer in layers[:self.logits_layer + 1]:
            mod = self._build(layer, layers, params)
            self.mods.append(mod)
        self._init_params(params)

    def _build(self, layer, layers, params):
        kind = layer["kind"]
        ins = [layers[i]["shape"] for i in layer["inputs"]]
        in_shape = ins[0] if ins else None
        rank = len(layer["shape"])
        frozen = any(not params[p]["trainable"] and
                     params[p]["role"] not in ("moving_mean",
                                               "moving_variance")
                     for p in layer["params"])
        is_output = layer["index"] == self.logits_layer
        if kind == "input":
            return Lambda(lambda x: x)
        if kind in ("conv2d", "conv1d"):
            mod = Conv(layer, in_shape[-1], 2 if kind == "conv2d" else 1)
            if is_output and layer["activation"] == "softmax":
                mod.act = lambda x: x
                self.final_softmax = True
            self._regularise(layer, params, mod.conv.weight)
            return mod
        if kind in ("maxpool2d", "avgpool2d", "maxpool1d", "avgpool1d"):
            return Pool(layer, 2 if kind.endswith("2d") else 1)
        if kind == "global_avgpool":
            return Lambda(lambda x: x.flatten(2).mean(2))
        if kind == "batchnorm":
            mod = BatchNorm(layer, in_shape[-1], rank, frozen)
            return mod
        if kind == "dropout":
            return nn.Dropout(layer["rate"])
        if kind == "dense":
            mod = Dense(layer, in_shape[-1], rank)
            if is_output and layer["activation"] == "softmax":
                mod.act = lambda x: x
                self.final_softmax = True
            self._regularise(layer, params, mod.linear.weight)
            return mod
        if kind == "flatten":
            return Lambda(lambda x: to_channels_last(x).flatten(1))
        if kind == "reshape":
            target = layer["target"]
            return Lambda(lambda x: to_channels_first(
                to_channels_last(x).reshape([x.shape[0]] + target)))
        if kind in ("zeropad2d", "zeropad1d"):
            flat = []
            for b, a in reversed(layer["pads"]):
                flat += [b, a]
            return Lambda(lambda x: F.pad(x, flat))
        if kind == "activation":
            fn = activation_fn(layer["activation"], rank)
            return Lambda(fn)
        if kind == "add":
            return Lambda(lambda *xs: sum(xs[1:], xs[0]))
        if kind == "concat":
            axis = keras_axis_to_torch(layer["axis"], rank)
            return Lambda(lambda *xs: torch.cat(xs, axis))
        raise ValueError("torch_peer: no PyTorch equivalent for layer kind " +
                         kind)

    def _regularise(self, layer, params, weight):
        for p in layer["params"]:
            if params[p]["role"] == "kernel":
                if params[p]["l2"]:
                    self.l2.append((params[p]["l2"], weight))
                if params[p]["l1"]:
                    self.l1.append((params[p]["l1"], weight))

    def _init_params(self, params):
        """Keras' initialisers, and trainable=false, for each parameter."""
        for layer, mod in zip(self.net["layers"], self.mods):
            tensors = []
            if isinstance(mod, Conv):
                tensors = [mod.conv.weight, mod.conv.bias]
            elif isinstance(mod, Dense):
                tensors = [mod.linear.weight, mod.linear.bias]
            elif isinstance(mod, BatchNorm):
                tensors = [mod.bn.weight, mod.bn.bias, mod.bn.running_mean,
                           mod.bn.running_var]
            tensors = [t for t in tensors if t is not None]
            for p, t in zip(layer["params"], tensors):
                init_tensor(t, params[p])
                if isinstance(t, nn.Parameter) and not params[p]["trainable"]:
                    t.requires_grad_(False)

    def penalty(self):
        total = 0
        for s, w in self.l2:
            total = total + s * w.square().sum()
        for s, w in self.l1:
            total = total + s * w.abs().sum()
        return total

    def forward(self, x, trace=None):
        values = []
        for layer, mod in zip(self.net["layers"], self.mods):
            args = [values[i] for i in layer["inputs"]] or [x]
            values.append(mod(*args))
            if trace is not None:
                trace.append(values[-1])
        return values[self.logits_layer]

    def predict(self, x):
        logits = self.forward(x)
        if self.final_softmax:
            return F.softmax(logits, dim=-1)
        return logits


def count_params(model):
    """Keras' counts: every weight plus BatchNorm's moving statistics."""
    total = trainable = 0
    for p in model.parameters():
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    for name, b in model.named_buffers():
        if not name.endswith("num_batches_tracked"):
            total += b.numel()
    return total, trainable


def shape_mismatches(net, model):
    """Runs two zero images through the peer in inference mode and lists
    the layers whose output shape (in Keras' channels-last order) is not
    the one kilnc resolved."""
    in_shape = net["layers"][net["input"]]["shape"][1:]
    x = to_channels_first(torch.zeros([2] + in_shape))
    trace = []
    model.eval()
    with torch.no_grad():
        model(x, trace)
    bad = []
    for layer, value in zip(net["layers"], trace):
        got = [2] + list(to_channels_last(value).shape[1:])
        want = [2] + layer["shape"][1:]
        if got != want:
            bad.append("%s: %s, kilnc says %s" % (layer["name"], got, want))
    return bad


def summary_counts(kilnc, path):
    """Total and trainable parameter counts from `kilnc PATH --summary`."""
    out = subprocess.run([kilnc, path, "--summary"], check=True,
                         capture_output=True, text=True).stdout
    counts = {}
    for line in out.splitlines():
        for key in ("Total params:", "Trainable params:"):
            if line.startswith(key):
                counts[key] = int(line[len(key):].replace(",", ""))
    return counts["Total params:"], counts["Trainable params:"]


def check_models(paths, kilnc):
    """For each .kiln file: the peer's counts equal kilnc --summary's and
    its layer shapes kilnc's. One line per model; 1 when any differs."""
    if not kilnc:
        sys.exit("torch_peer: check needs --kilnc PATH")
    failed = 0
    for path in paths:
        net = load_network(path, kilnc)
        total, trainable = count_params(PeerModel(net))
        want = summary_counts(kilnc, path)
        bad = shape_mismatches(net, PeerModel(net))
        if (total, trainable) != want or bad:
            failed = 1
            print("MISMATCH %s: peer %d/%d params (total/trainable), kilnc "
                  "--summary %d/%d%s" % (net["name"], total, trainable,
                                         want[0], want[1],
                                         "; " + "; ".join(bad) if bad else ""))
        else:
            print("OK %s %d params (%d trainable)" % (net["name"], total,
                                                      trainable))
    return failed


def make_optimizer(net, model):
    o = net["training"]["optimizer"]
    params = [p for p in model.parameters() if p.requires_grad]
    if o["kind"] == "adam":
        return torch.optim.Adam(params, lr=o["lr"], betas=(o["beta1"],
                                                           o["beta2"]),
                                eps=o["epsilon"])
    if o["kind"] == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"],
                               nesterov=o["nesterov"])
    if o["kind"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=o["lr"], alpha=o["rho"],
                                   eps=o["epsilon"])
    raise ValueError("unknown optimizer " + o["kind"])


# --- data --------------------------------------------------------------------


def read_idx(path):
    """An IDX file as a uint8 array of its shape (benchlib reads the file)."""
    shape, data = bl.read_idx(path)
    return np.frombuffer(data, np.uint8).reshape(shape)


def load_split(net, split, limit):
    """Images scaled to [0, 1] in the model's input layout (channels first),
    labels after the model's `select`."""
    d = net["data"]
    images = read_idx(d[split + "_images"])
    labels = read_idx(d[split + "_labels"]).astype(np.int64)
    select = d["select"]
    if select:
        keep = np.isin(labels, select)
        images, labels = images[keep], labels[keep]
        remap = {l: i for i, l in enumerate(select)}
        labels = np.array([remap[int(l)] for l in labels], np.int64)
    if limit:
        images, labels = images[:limit], labels[:limit]
    in_shape = net["layers"][net["input"]]["shape"][1:]
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    x = to_channels_first(x.reshape([x.shape[0]] + in_shape))
    return x.contiguous(), torch.from_numpy(labels)


# --- benchmarks ----------------------------------------------------------------


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_train(net, model, x, y, batch, steps, warmup, repeats=1):
    """Images/s of training steps at `batch` after `warmup` steps."""
    model.train()
    opt = make_optimizer(net, model)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]

    def step(i):
        lo = (i * batch) % max(1, n - batch + 1)
        xb, yb = x[lo:lo + batch], y[lo:lo + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        if model.l2 or model.l1:
            loss = loss + model.penalty()
        loss.backward()
        opt.step()
        return loss

    for i in range(warmup):
        step(i)
    done = [warmup, None]  # steps taken, the last loss

    def window():
        for i in range(steps):
            done[1] = step(done[0] + i)
        done[0] += steps

    rate = bl.median_rate(steps * batch, repeats, window)
    return {"images_per_s": rate, "steps": steps, "repeats": repeats,
            "batch": batch, "last_loss": float(done[1])}


def bench_infer(model, x, batch, batches, latency_runs):
    """Images/s at `batch` over `batches` calls after one warm-up call, and
    the median batch-1 latency over `latency_runs` calls."""
    model.eval()
    n = x.shape[0]
    with torch.no_grad():
        model.predict(x[:batch])
        start = time.perf_counter()
        images = 0
        for i in range(batches):
            lo = (i * batch) % max(1, n - batch + 1)
            xb = x[lo:lo + batch]
            model.predict(xb)
            images += xb.shape[0]
        seconds = time.perf_counter() - start
        times = []
        for i in range(min(10, latency_runs)):
            model.predict(x[i:i + 1])
        for i in range(latency_runs):
            xb = x[i % n:i % n + 1]
            t0 = time.perf_counter()
            model.predict(xb)
            times.append(time.perf_counter() - t0)
    return {"images_per_s": images / seconds, "batch": batch,
            "latency_ms": 1000 * statistics.median(times)}


def main():
    ap = argparse.ArgumentParser(
        description="PyTorch peer of a Kiln model (from kilnc --emit=json).")
    ap.add_argument("command", choices=["count", "check", "train", "infer"],
                    help="count: parameter counts; check: each model's "
                    "counts against kilnc --summary and its layer shapes "
                    "against kilnc's; train: training images/s; infer: "
                    "inference images/s and batch-1 latency")
    ap.add_argument("model", nargs="+", help="MODEL.json (kilnc "
                    "--emit=json) or MODEL.kiln with --kilnc (check: "
                    ".kiln files)")
    ap.add_argument("--kilnc", help="kilnc, to read a .kiln file directly")
    ap.add_argument("--threads", type=int, default=2,
                    help="torch.set_num_threads (2)")
    ap.add_argument("--batch", type=int, default=0,
                    help="batch (train: the model's; infer: 256)")
    ap.add_argument("--steps", type=int, default=20,
                    help="timed training steps (20)")
    ap.add_argument("--warmup", type=int, default=3,
                    help="untimed steps first (3)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="train: time this many windows of --steps steps "
                    "and give the median (1)")
    ap.add_argument("--batches", type=int, default=8,
                    help="timed inference batches (8)")
    ap.add_argument("--latency-runs", type=int, default=200,
                    help="batch-1 calls for the median latency (200)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.command == "check":
        sys.exit(check_models(args.model, args.kilnc))
    if len(args.model) != 1:
        ap.error("one model, please (only check takes several)")
    net = load_network(args.model[0], args.kilnc)
    model = PeerModel(net)
    result = {"model": net["name"], "torch": torch.__version__,
              "threads": torch.get_num_threads()}
    if args.command == "count":
        total, trainable = count_params(model)
        result.update(total_params=total, trainable_params=trainable,
                      shape_mismatches=shape_mismatches(net, model))
    elif args.command == "train":
        batch = args.batch or net["training"]["batch_size"]
        x, y = load_split(net, "train",
                          batch * (args.steps + args.warmup))
        result.update(bench_train(net, model, x, y, batch, args.steps,
                                  args.warmup, args.repeats))
    else:
        batch = args.batch or 256
        x, _ = load_split(net, "test", max(batch * 2, args.latency_runs))
        result.update(bench_infer(model, x, batch, args.batches,
                                  args.latency_runs))
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
