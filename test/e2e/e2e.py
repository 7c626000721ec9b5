#!/usr/bin/env python3
"""Helpers of the end-to-end tests (test/e2e/*.test).

  e2e.py data DIR [N]        test inputs from Debian's Fashion-MNIST test set:
                             plain IDX of the first N images, eight PGMs and
                             a PNG, and broken files for the bad-input tests
  e2e.py slice SPLIT A B OUT  images A..B of Fashion-MNIST's "train" or "test"
                             split as a plain IDX pair OUT-images.idx and
                             OUT-labels.idx
  e2e.py falls HISTORY.csv   the training loss falls from epoch to epoch
  e2e.py best-epoch HISTORY.csv EVAL.json
                             the run stopped early, and EVAL's loss is
                             exactly the best epoch's val_loss
  e2e.py same-eval A B       two evaluation JSONs agree exactly (loss,
                             accuracy, report with confusion matrix)
  e2e.py same-history A B    two history CSVs agree but for the timings
  e2e.py close A B TOL       two prediction JSONs give every class the same
                             probability within TOL
  e2e.py interrupt [E:]N -- CMD
                             runs CMD on a pseudo-terminal (so it draws its
                             progress bar), sends SIGINT once the bar of
                             epoch E (1) shows batch N or later, prints CMD's
                             output and succeeds when CMD exits with
                             128 + SIGINT
  e2e.py stop-when FILE -- CMD
                             runs CMD, sends it SIGTERM once FILE exists,
                             prints CMD's output and succeeds when CMD exits
                             with 128 + SIGTERM
  e2e.py npz-f64 IN OUT       rewrites the .npz IN (read with Python's
                             zipfile, which checks every CRC) as
                             numpy.savez_compressed would write its float64
                             copy: deflated members, ZIP64 local headers
  e2e.py same-arrays A B NAME...
                             the arrays NAME of two .npz files hold the same
                             shape and bytes
Each check prints what differs and exits 1 on failure.
"""

import ast
import gzip
import json
import os
import pty
import re
import signal
import struct
import sys
import zipfile
import zlib

FASHION = "/usr/share/datasets/fashion-mnist"


def fail(message):
    print("e2e.py: " + message, file=sys.stderr)
    sys.exit(1)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def png(width, height, pixels):
    """An 8-bit grey PNG of `pixels` (bytes, row-major)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    rows = b"".join(b"\0" + pixels[y * width:(y + 1) * width]
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def data(out, count):
    images = gzip.open(FASHION + "/t10k-images-idx3-ubyte.gz").read()
    labels = gzip.open(FASHION + "/t10k-labels-idx1-ubyte.gz").read()
    size = 28 * 28
    pixels = images[16:16 + count * size]
    write(out + "/images.idx", struct.pack(">IIII", 0x803, count, 28, 28) + pixels)
    write(out + "/labels.idx", struct.pack(">II", 0x801, count) + labels[8:8 + count])
    for i in range(8):
        write(out + "/img%d.pgm" % i,
              b"P5\n28 28\n255\n" + images[16 + i * size:16 + (i + 1) * size])
    write(out + "/img8.png", png(28, 28, images[16 + 8 * size:16 + 9 * size]))
    # Broken inputs, one defect each.
    write(out + "/small.pgm", b"P5\n27 28\n255\n" + pixels[:27 * 28])
    whole = gzip.open(FASHION + "/t10k-images-idx3-ubyte.gz").read()
    raw = open(FASHION + "/t10k-images-idx3-ubyte.gz", "rb").read()
    write(out + "/truncated.idx.gz", raw[:len(raw) // 2])
    write(out + "/truncated.idx", whole[:16 + 10 * size + 100])
    write(out + "/corrupt.idx", b"\x08\x03" + whole[2:16 + count * size])
    write(out + "/few-labels.idx",
          struct.pack(">II", 0x801, count - 1) + labels[8:8 + count - 1])


def slice_split(split, start, end, out):
    prefix = FASHION + ("/train" if split == "train" else "/t10k")
    images = gzip.open(prefix + "-images-idx3-ubyte.gz").read()
    labels = gzip.open(prefix + "-labels-idx1-ubyte.gz").read()
    size, count = 28 * 28, end - start
    write(out + "-images.idx", struct.pack(">IIII", 0x803, count, 28, 28) +
          images[16 + start * size:16 + end * size])
    write(out + "-labels.idx", struct.pack(">II", 0x801, count) +
          labels[8 + start:8 + end])


def load(path):
    with open(path) as f:
        return json.load(f)


def falls(path):
    rows = [line.split(",") for line in open(path).read().split("\n")[1:] if line]
    losses = [float(r[1]) for r in rows]
    if len(losses) < 2:
        fail("%s: fewer than two epochs" % path)
    for a, b in zip(losses, losses[1:]):
        if not b < a:
            fail("%s: the loss does not fall: %s" % (path, losses))
    print("loss falls: %s" % " > ".join("%.4f" % l for l in losses))


def best_epoch(history, evaluation):
    header, *rows = [l.split(",") for l in open(history).read().split("\n") if l]
    column = header.index("val_loss")
    losses = [float(r[column]) for r in rows]
    best = min(losses)
    loss = load(evaluation)["loss"]
    if loss != best:
        fail("the final weights' validation loss %r is not the best epoch's "
             "%r (epochs: %s)" % (loss, best, losses))
    print("restored epoch %d of %d: val_loss %r"
          % (losses.index(best) + 1, len(losses), best))


def same_eval(a, b):
    x, y = load(a), load(b)
    for key in ("images", "loss", "accuracy", "report"):
        if x[key] != y[key]:
            fail("%s and %s differ in %s: %r vs %r" % (a, b, key, x[key], y[key]))
    print("same evaluation: loss %r, accuracy %r" % (x["loss"], x["accuracy"]))


def same_history(a, b):
    def rows(path):
        lines = [l.split(",") for l in open(path).read().split("\n") if l]
        keep = [i for i, h in enumerate(lines[0])
                if h not in ("seconds", "images_per_second")]
        return [[r[i] for i in keep] for r in lines]
    if rows(a) != rows(b):
        fail("%s and %s differ:\n%r\n%r" % (a, b, rows(a), rows(b)))
    print("same history: %d epochs" % (len(rows(a)) - 1))


def close(a, b, tolerance):
    x, y = load(a)["predictions"], load(b)["predictions"]
    if len(x) != len(y):
        fail("%d predictions vs %d" % (len(x), len(y)))
    worst = 0.0
    for p, q in zip(x, y):
        pp = {t["label"]: t["probability"] for t in p["top"]}
        qq = {t["label"]: t["probability"] for t in q["top"]}
        if pp.keys() != qq.keys():
            fail("%s: different classes %s vs %s" % (p["file"], sorted(pp), sorted(qq)))
        worst = max([worst] + [abs(pp[k] - qq[k]) for k in pp])
    if worst > tolerance:
        fail("probabilities differ by %g > %g" % (worst, tolerance))
    print("%d predictions agree within %g (largest difference %.3g)"
          % (len(x), tolerance, worst))


def npy_arrays(path):
    """{name: (header dict, data bytes)} of the .npz at path."""
    arrays = {}
    with zipfile.ZipFile(path) as z:
        if z.testzip() is not None:
            fail("%s: member %s fails its CRC" % (path, z.testzip()))
        for info in z.infolist():
            raw = z.read(info)
            if raw[:8] != b"\x93NUMPY\x01\x00":
                fail("%s: %s is not a version 1.0 .npy" % (path, info.filename))
            size = struct.unpack("<H", raw[8:10])[0]
            if (10 + size) % 64:
                fail("%s: %s's header is not padded to 64 bytes"
                     % (path, info.filename))
            header = ast.literal_eval(raw[10:10 + size].decode("latin1"))
            arrays[info.filename[:-len(".npy")]] = (header, raw[10 + size:])
    return arrays


def npz_f64(src, out):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (header, data) in npy_arrays(src).items():
            if header["descr"] != "<f4" or header["fortran_order"]:
                fail("%s: %s is not a C-order float32 array" % (src, name))
            values = struct.unpack("<%df" % (len(data) // 4), data)
            text = "{'descr': '<f8', 'fortran_order': False, 'shape': %r, }" \
                % (tuple(header["shape"]),)
            text += " " * (63 - (10 + len(text)) % 64) + "\n"
            blob = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + \
                text.encode("latin1") + struct.pack("<%dd" % len(values), *values)
            with z.open(name + ".npy", "w", force_zip64=True) as member:
                member.write(blob)
    print("wrote %s" % out)


def same_arrays(a, b, names):
    x, y = npy_arrays(a), npy_arrays(b)
    for name in names:
        if name not in x or name not in y:
            fail("%s is not in both %s and %s" % (name, a, b))
        if x[name][0]["shape"] != y[name][0]["shape"] or x[name][1] != y[name][1]:
            fail("%s differs between %s and %s" % (name, a, b))
    print("same arrays: %s" % ", ".join(names))


def interrupt(where, command):
    """Sends SIGINT once the bar of epoch E shows batch N ("E:N" or "N" for
    the first epoch)."""
    epoch, _, batch = where.rpartition(":")
    epoch, batch = int(epoch or 1), int(batch)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    output, sent = b"", False
    bar = re.compile(rb"\r *(\d+)/\d+ \[")
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        # The output since the header of the epoch in question.
        start = output.find(b"Epoch %d/" % epoch)
        if (not sent and start >= 0 and
                any(int(m) >= batch for m in bar.findall(output[start:]))):
            os.kill(pid, signal.SIGINT)
            sent = True
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(output.decode(errors="replace").replace("\r", "\n"))
    code = os.waitstatus_to_exitcode(status)
    print("exit %d" % code)
    if not sent:
        fail("the progress bar never reached batch %d of epoch %d"
             % (batch, epoch))
    if code != 128 + signal.SIGINT:
        fail("expected exit %d after SIGINT, got %d" % (128 + signal.SIGINT, code))


def stop_when(path, command):
    """Sends SIGTERM to CMD (its process alone) once `path` exists."""
    import subprocess
    import time
    p = subprocess.Popen(command, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    sent = False
    while p.poll() is None:
        if not sent and os.path.exists(path):
            p.send_signal(signal.SIGTERM)
            sent = True
        time.sleep(0.01)
    sys.stdout.write(p.stdout.read().decode(errors="replace"))
    print("exit %d" % p.returncode)
    if not sent:
        fail("%s never appeared" % path)
    if p.returncode != 128 + signal.SIGTERM:
        fail("expected exit %d after SIGTERM, got %d"
             % (128 + signal.SIGTERM, p.returncode))


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "data":
        data(args[0], int(args[1]) if len(args) > 1 else 64)
    elif cmd == "slice":
        slice_split(args[0], int(args[1]), int(args[2]), args[3])
    elif cmd == "best-epoch":
        best_epoch(args[0], args[1])
    elif cmd == "falls":
        falls(args[0])
    elif cmd == "same-eval":
        same_eval(args[0], args[1])
    elif cmd == "same-history":
        same_history(args[0], args[1])
    elif cmd == "close":
        close(args[0], args[1], float(args[2]))
    elif cmd == "npz-f64":
        npz_f64(args[0], args[1])
    elif cmd == "same-arrays":
        same_arrays(args[0], args[1], args[2:])
    elif cmd == "interrupt":
        interrupt(args[0], args[2:] if args[1] == "--" else args[1:])
    elif cmd == "stop-when":
        stop_when(args[0], args[2:] if args[1] == "--" else args[1:])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
