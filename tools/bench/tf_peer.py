"""The Keras/TensorFlow peer of a Kiln model, built from `kilnc --emit=json`.

Optional: tensorflow-cpu is not a Debian package. tools/bench/compare runs
this with the Python of a virtual environment that has it
(~/.cache/kiln-bench-tf, see tools/bench/README.md) and leaves Keras out
when there is none.

Keras is the reports' own framework and, like Kiln, channels-last, so each
layer of the resolved network maps to one Keras layer; explicit padding
becomes padding='same' where it is what 'same' gives, else a ZeroPadding
layer before a 'valid' one.

Usage: PYTHON tf_peer.py count|train|infer|accuracy|weights MODEL.json
[options] (--help); accuracy trains as the model file says and prints the
test accuracy (the reference for a Kiln figure that falls short); weights
writes Keras' weights as an .npz in Kiln's names, for NET-infer and
NET-train --weights; count checks
every layer's output shape against kilnc's, and the total against kilnc
--summary's given --expect-params.
"""

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402


def same_pads(n, k, s, d):
    """Keras' 'same' padding (before, after) of one axis."""
    keff = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + keff - n, 0)
    return [total // 2, total - total // 2]


def padding_of(layer, in_shape):
    """'valid', 'same', or the explicit pads a ZeroPadding layer needs."""
    pads = layer["pads"]
    if all(b == 0 and a == 0 for b, a in pads):
        return "valid"
    k = layer.get("kernel") or layer.get("window")
    d = layer.get("dilations") or [1] * len(k)
    same = [same_pads(in_shape[1 + i], k[i], layer["strides"][i], d[i])
            for i in range(len(k))]
    return "same" if same == pads else pads


def initializer(param):
    init = param["init"]
    kind = init["kind"]
    if kind == "constant":
        return keras.initializers.Constant(init["value"])
    if kind == "random_uniform":
        return keras.initializers.RandomUniform(init["minval"], init["maxval"])
    if kind == "random_normal":
        return keras.initializers.RandomNormal(init["mean"], init["stddev"])
    if kind == "truncated_normal":
        return keras.initializers.TruncatedNormal(init["mean"],
                                                  init["stddev"])
    return keras.initializers.VarianceScaling(init["scale"], init["mode"],
                                              init["distribution"])


def build(net):
    """The network as a keras.Model (the final softmax included, as the
    reports' models were)."""
    layers, params = net["layers"], net["params"]
    values = []
    for layer in layers:
        kind = layer["kind"]
        ins = [values[i] for i in layer["inputs"]]
        in_shape = layers[layer["inputs"][0]]["shape"] if ins else None
        lp = {params[p]["role"]: params[p] for p in layer["params"]}
        trainable = all(p["trainable"] for p in lp.values()
                        if p["role"] not in ("moving_mean",
                                             "moving_variance"))
        kw = {"name": layer["name"], "trainable": trainable}
        x = ins[0] if ins else None
        if kind == "input":
            values.append(keras.Input(shape=layer["shape"][1:],
                                      name=layer["name"]))
            continue
        if kind in ("conv2d", "conv1d", "maxpool2d", "avgpool2d",
                    "maxpool1d", "avgpool1d"):
            two = kind.endswith("2d")
            padding = padding_of(layer, in_shape)
            if isinstance(padding, list):
                pad = keras.layers.ZeroPadding2D if two else \
                    keras.layers.ZeroPadding1D
                x = pad(tuple(tuple(p) for p in padding) if two
                        else tuple(padding[0]))(x)
                padding = "valid"
            if kind.startswith("conv"):
                cls = keras.layers.Conv2D if two else keras.layers.Conv1D
                k = lp["kernel"]
                reg = keras.regularizers.L1L2(k["l1"], k["l2"]) \
                    if k["l1"] or k["l2"] else None
                out = cls(layer["filters"], tuple(layer["kernel"]),
                          strides=tuple(layer["strides"]),
                          dilation_rate=tuple(layer["dilations"]),
                          padding=padding, activation=layer["activation"],
                          use_bias=layer["use_bias"],
                          kernel_initializer=initializer(k),
                          bias_initializer=initializer(lp["bias"])
                          if "bias" in lp else "zeros",
                          kernel_regularizer=reg, **kw)(x)
            else:
                cls = {"maxpool2d": keras.layers.MaxPooling2D,
                       "avgpool2d": keras.layers.AveragePooling2D,
                       "maxpool1d": keras.layers.MaxPooling1D,
                       "avgpool1d": keras.layers.AveragePooling1D}[kind]
                out = cls(tuple(layer["window"]), tuple(layer["strides"]),
                          padding=padding, name=layer["name"])(x)
        elif kind == "global_avgpool":
            cls = keras.layers.GlobalAveragePooling2D \
                if len(in_shape) == 4 else keras.layers.GlobalAveragePooling1D
            out = cls(name=layer["name"])(x)
        elif kind == "batchnorm":
            out = keras.layers.BatchNormalization(
                momentum=layer["momentum"], epsilon=layer["epsilon"],
                **kw)(x)
        elif kind == "dropout":
            out = keras.layers.Dropout(layer["rate"], name=layer["name"])(x)
        elif kind == "dense":
            k = lp["kernel"]
            reg = keras.regularizers.L1L2(k["l1"], k["l2"]) \
                if k["l1"] or k["l2"] else None
            out = keras.layers.Dense(
                layer["units"], activation=layer["activation"],
                use_bias=layer["use_bias"], kernel_initializer=initializer(k),
                bias_initializer=initializer(lp["bias"])
                if "bias" in lp else "zeros",
                kernel_regularizer=reg, **kw)(x)
        elif kind == "flatten":
            out = keras.layers.Flatten(name=layer["name"])(x)
        elif kind == "reshape":
            out = keras.layers.Reshape(layer["target"], name=layer["name"])(x)
        elif kind in ("zeropad2d", "zeropad1d"):
            p = layer["pads"]
            out = (keras.layers.ZeroPadding2D(tuple(tuple(a) for a in p),
                                              name=layer["name"])
                   if kind == "zeropad2d" else
                   keras.layers.ZeroPadding1D(tuple(p[0]),
                                              name=layer["name"]))(x)
        elif kind == "activation":
            out = keras.layers.Activation(layer["activation"],
                                          name=layer["name"])(x)
        elif kind == "add":
            out = keras.layers.Add(name=layer["name"])(ins)
        elif kind == "concat":
            out = keras.layers.Concatenate(layer["axis"],
                                           name=layer["name"])(ins)
        else:
            raise ValueError("tf_peer: no Keras layer for kind " + kind)
        values.append(out)
    return keras.Model(values[net["input"]], values[net["output"]],
                       name=net["name"])


def shape_mismatches(net, model):
    """Layers whose Keras output shape is not the one kilnc resolved."""
    bad = []
    for layer in net["layers"][1:]:
        got = list(model.get_layer(layer["name"]).output_shape)
        want = [None] + layer["shape"][1:]
        if got != want:
            bad.append("%s: %s, kilnc says %s" % (layer["name"], got, want))
    return bad


def optimizer(net, lr=None):
    """The model's optimizer, at its constant lr or at `lr` (a rate or a
    Keras schedule)."""
    o = net["training"]["optimizer"]
    lr = o["lr"] if lr is None else lr
    if o["kind"] == "adam":
        return keras.optimizers.Adam(lr, o["beta1"], o["beta2"],
                                     o["epsilon"])
    if o["kind"] == "sgd":
        return keras.optimizers.SGD(lr, o["momentum"], o["nesterov"])
    return keras.optimizers.RMSprop(lr, o["rho"], epsilon=o["epsilon"])


def lr_schedule(net, steps_per_epoch, epochs):
    """The model's learning-rate schedule in Keras: (what the optimizer
    takes as its rate, callbacks). Step decay is per epoch, as NET-train
    has it, so it is a LearningRateScheduler; the others are Keras' own
    per-step schedules (cosine_decay without decay_steps decays over the
    whole run)."""
    s = net["training"]["schedule"]
    lr = net["training"]["optimizer"]["lr"]
    if s["kind"] == "constant":
        return lr, []
    if s["kind"] == "step_decay":
        return lr, [keras.callbacks.LearningRateScheduler(
            lambda epoch, _: lr * s["factor"] ** (epoch // s["every"]))]
    if s["kind"] == "exponential_decay":
        return keras.optimizers.schedules.ExponentialDecay(
            lr, s["decay_steps"], s["decay_rate"], s["staircase"]), []
    if s["kind"] == "cosine_decay":
        return keras.optimizers.schedules.CosineDecay(
            lr, s["decay_steps"] or epochs * steps_per_epoch,
            s["alpha"]), []
    sys.exit("tf_peer: %s: learning-rate schedule '%s' is not replicated"
             % (net["name"], s["kind"]))


def load_split(net, split, count):
    """The first `count` images of `split` ("train" or "test") of the
    model's classes, scaled to [0, 1] and shaped as the model's input, with
    one-hot labels."""
    d = net["data"]
    shape, pixels = bl.read_idx(d[split + "_images"])
    _, labels = bl.read_idx(d[split + "_labels"])
    images = np.frombuffer(pixels, np.uint8).reshape(shape)
    labels = np.frombuffer(labels, np.uint8).astype(np.int64)
    if d["select"]:
        keep = np.isin(labels, d["select"])
        images, labels = images[keep], labels[keep]
        labels = np.array([d["select"].index(int(l)) for l in labels])
    images, labels = images[:count], labels[:count]
    in_shape = net["layers"][net["input"]]["shape"][1:]
    x = (images.astype(np.float32) / 255.0).reshape([len(images)] + in_shape)
    return x, np.eye(d["classes"], dtype=np.float32)[labels]


def augmented_copies(aug, x, y):
    """x and y followed by aug["copies"] transformed copies of each image
    whose class aug["classes"] names (every image if it names none), drawn
    by Keras' ImageDataGenerator with the file's ranges."""
    gen = keras.preprocessing.image.ImageDataGenerator(
        rotation_range=aug["rotation"], zoom_range=aug["zoom"],
        width_shift_range=aug["shift"], height_shift_range=aug["shift"],
        horizontal_flip=aug["horizontal_flip"],
        vertical_flip=aug["vertical_flip"], fill_mode=aug["fill"],
        cval=aug["fill_value"],
        interpolation_order=1 if aug["interpolation"] == "bilinear" else 0)
    labels = y.argmax(1)
    chosen = np.flatnonzero(np.isin(labels, aug["classes"])) \
        if aug["classes"] else np.arange(len(x))
    # ImageDataGenerator transforms height x width x channels images.
    shape = x.shape[1:]
    hwc = x.reshape((len(x),) + tuple(shape) + ((1,) if len(shape) == 2
                                                  else ()))
    copies = [gen.random_transform(hwc[i]).reshape(shape)
              for _ in range(aug["copies"]) for i in chosen]
    return (np.concatenate([x, np.array(copies, x.dtype)]),
            np.concatenate([y] + [y[chosen]] * aug["copies"]))


def accuracy(net, model, args):
    """Trains as the model file says (optimizer and learning-rate
    schedule, batch, epochs, validation split, shuffling, early stopping)
    on its data and evaluates on the test set: the reference a Kiln
    accuracy is set against, with Keras' own random draws. Augmented copies
    (augment with copies >= 1) are made as NET-train makes them, after the
    validation split and from the training part only, by Keras'
    ImageDataGenerator (which needs SciPy); per-epoch augmentation
    (copies = 0) is not replicated and needs --no-augment."""
    t = net["training"]
    aug = t["augmentation"]
    augment = aug["enabled"] and not args.no_augment
    if augment and aug["copies"] < 1:
        sys.exit("tf_peer: %s augments every epoch, which the Keras peer "
                 "does not replicate: pass --no-augment (and compare with "
                 "NET-train --no-augment)" % net["name"])
    if t["loss"] != "categorical_crossentropy":
        sys.exit("tf_peer: %s: loss '%s' is not replicated"
                 % (net["name"], t["loss"]))
    x, y = load_split(net, "train", args.limit or 1 << 30)
    callbacks = []
    es = t["early_stopping"]
    if es["enabled"]:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=es["monitor"], patience=es["patience"],
            min_delta=es["min_delta"],
            restore_best_weights=es["restore_best"]))
    epochs = args.epochs or t["epochs"]
    start = time.perf_counter()
    # Keras' own split (the last samples, before shuffling), made here so
    # that copies join the training part only, as in NET-train.
    split_at = int(np.floor(len(x) * (1 - t["validation_split"])))
    validation = (x[split_at:], y[split_at:]) if split_at < len(x) else None
    x, y = x[:split_at], y[:split_at]
    if augment:
        x, y = augmented_copies(aug, x, y)
    rate, schedule_callbacks = lr_schedule(
        net, -(-len(x) // t["batch_size"]), epochs)
    model.compile(optimizer(net, rate), keras.losses.CategoricalCrossentropy(
        from_logits=t["from_logits"]), metrics=["accuracy"])
    callbacks += schedule_callbacks
    history = model.fit(x, y, batch_size=t["batch_size"], epochs=epochs,
                        validation_data=validation,
                        shuffle=t["shuffle"], callbacks=callbacks, verbose=0)
    seconds = time.perf_counter() - start
    xt, yt = load_split(net, "test", args.test_limit or 1 << 30)
    predicted = model.predict(xt, batch_size=1000, verbose=0).argmax(1)
    return {"seed": args.seed, "epochs": len(history.history["loss"]),
            "train_images": len(x), "test_images": len(xt),
            "test_accuracy": float((predicted == yt.argmax(1)).mean()),
            "final_lr": float(keras.backend.get_value(
                model.optimizer.learning_rate)),
            "seconds": seconds}


def export_weights(net, model, args):
    """Writes the Keras model's weights (its seeded initial values, or after
    --epochs on the first --limit training images) as the .npz args.out,
    under Kiln's tensor names: the layers carry Kiln's names, so Keras'
    "conv2d/kernel:0" is Kiln's "conv2d/kernel", in the same layout. Returns
    Keras' accuracy and loss (cross-entropy plus regularisation, as
    NET-infer reports it) on the first --test-limit test images, which
    NET-infer --weights should reproduce."""
    from_logits = net["training"]["from_logits"]
    model.compile(optimizer(net), keras.losses.CategoricalCrossentropy(
        from_logits=from_logits))
    if args.epochs:
        x, y = load_split(net, "train", args.limit or 1 << 30)
        model.fit(x, y, batch_size=net["training"]["batch_size"],
                  epochs=args.epochs, verbose=0)
    weights = {w.name.split(":")[0]: w.numpy() for w in model.weights}
    np.savez(args.out, **weights)
    xt, yt = load_split(net, "test", args.test_limit or 1 << 30)
    p = model.predict(xt, batch_size=256, verbose=0)
    if from_logits:
        p = tf.nn.softmax(p).numpy()
    picked = np.clip((p * yt).sum(1).astype(np.float64), 1e-7, 1 - 1e-7)
    penalty = float(sum(model.losses)) if model.losses else 0.0
    return {"weights": args.out, "tensors": len(weights),
            "test_images": len(xt),
            "accuracy": float((p.argmax(1) == yt.argmax(1)).mean()),
            "loss": float(-np.log(picked).mean()) + penalty}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("command", choices=["count", "train", "infer",
                                        "accuracy", "weights"])
    ap.add_argument("model", help="MODEL.json (kilnc --emit=json)")
    ap.add_argument("--expect-params", type=int, help="count: fail unless "
                    "the model has this many parameters (kilnc --summary's "
                    "total)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=1,
                    help="train: time this many windows of --steps steps "
                    "and give the median")
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--latency-runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0,
                    help="Keras' seed for weights, shuffles and "
                    "dropout")
    ap.add_argument("--epochs", type=int, default=0,
                    help="accuracy: override the file's epochs; weights: "
                    "train this many epochs before writing them")
    ap.add_argument("--limit", type=int, default=0,
                    help="accuracy, weights: train on the first N images "
                    "only")
    ap.add_argument("--test-limit", type=int, default=0,
                    help="accuracy, weights: evaluate on the first N test "
                    "images")
    ap.add_argument("--out", default="weights.npz",
                    help="weights: the .npz to write")
    ap.add_argument("--no-augment", action="store_true",
                    help="accuracy: train a model with augmentation without "
                    "it")
    args = ap.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    with open(args.model) as f:
        net = json.load(f)
    # Weights, shuffles and dropout from --seed (accuracy's reference runs).
    keras.utils.set_random_seed(args.seed)
    model = build(net)
    result = {"model": net["name"], "tensorflow": tf.__version__}
    if args.command == "count":
        result["total_params"] = int(model.count_params())
        result["shape_mismatches"] = shape_mismatches(net, model)
        if args.expect_params is not None and \
                result["total_params"] != args.expect_params:
            sys.exit("tf_peer: %s has %d parameters in Keras, kilnc says %d"
                     % (net["name"], result["total_params"],
                        args.expect_params))
        if result["shape_mismatches"]:
            sys.exit("tf_peer: %s: %s" % (net["name"], "; ".join(
                result["shape_mismatches"])))
    elif args.command == "accuracy":
        result.update(accuracy(net, model, args))
    elif args.command == "weights":
        result.update(export_weights(net, model, args))
    elif args.command == "train":
        batch = args.batch or net["training"]["batch_size"]
        model.compile(optimizer(net), "categorical_crossentropy",
                      metrics=["accuracy"])
        x, y = load_split(net, "train", batch * max(args.steps, args.warmup))
        model.fit(x[:batch * args.warmup], y[:batch * args.warmup],
                  batch_size=batch, epochs=1, verbose=0, shuffle=False)
        n = batch * args.steps
        rate = bl.median_rate(n, args.repeats, lambda: model.fit(
            x[:n], y[:n], batch_size=batch, epochs=1, verbose=0,
            shuffle=False))
        result.update(images_per_s=rate, steps=args.steps,
                      repeats=args.repeats, batch=batch)
    else:
        batch = args.batch or 256
        x, _ = load_split(net, "train", max(2 * batch, args.latency_runs))
        model.predict_on_batch(x[:batch])
        start = time.perf_counter()
        for i in range(args.batches):
            lo = (i * batch) % max(1, len(x) - batch + 1)
            model.predict_on_batch(x[lo:lo + batch])
        seconds = time.perf_counter() - start
        for i in range(10):
            model.predict_on_batch(x[i:i + 1])
        times = []
        for i in range(args.latency_runs):
            t0 = time.perf_counter()
            model.predict_on_batch(x[i % len(x):i % len(x) + 1])
            times.append(time.perf_counter() - t0)
        result.update(images_per_s=args.batches * batch / seconds,
                      batch=batch,
                      latency_ms=1000 * statistics.median(times))
    result["peak_rss_mb"] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result))


if __name__ == "__main__":
    main()
