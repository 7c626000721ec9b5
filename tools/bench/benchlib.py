"""What tools/bench/compare and tools/bench/train-all share: finding kilnc,
compiling a model once per batch (cached), running a child and reading its
peak memory, the machine's description, the report figures of
models/README.md, and docs/results.md's generated sections."""

import datetime
import gzip
import hashlib
import json
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "models")
RESULTS = os.path.join(ROOT, "docs", "results.md")
PEER = os.path.join(ROOT, "tools", "bench", "torch_peer.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def log(msg):
    """One progress line on stderr (stdout carries the results)."""
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def find_kilnc(given):
    for path in ([given] if given else
                 [os.path.join(ROOT, "build", "bin", "kilnc")]):
        if path and os.access(path, os.X_OK):
            return os.path.abspath(path)
    sys.exit("bench: no kilnc at %s; build it (ninja -C build kilnc) or "
             "pass --kilnc PATH" % (given or "build/bin/kilnc"))


def model_files(names):
    """models/NAME.kiln for each name (or path); all models when empty."""
    if not names:
        return sorted(os.path.join(MODELS, f) for f in os.listdir(MODELS)
                      if f.endswith(".kiln"))
    out = []
    for n in names:
        path = n if n.endswith(".kiln") else os.path.join(MODELS, n + ".kiln")
        if not os.path.isfile(path):
            sys.exit("bench: no model file %s (models/ has: %s)" % (
                path, ", ".join(sorted(f[:-5] for f in os.listdir(MODELS)
                                       if f.endswith(".kiln")))))
        out.append(path)
    return out


def stem(path):
    return os.path.basename(path)[:-len(".kiln")]


def network_json(kilnc, path):
    out = subprocess.run([kilnc, path, "--emit=json"], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError("kilnc rejects %s: %s" % (
            os.path.basename(path), first_error(out.stderr)))
    return json.loads(out.stdout)


def first_error(text):
    """The first `error:` line of a tool's output (else its last line),
    without the file's directory."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in lines:
        if "error:" in l:
            return l[l.rfind("/") + 1:] if l.startswith("/") else l
    return lines[-1] if lines else "no output"


def _read(path):
    """A text file's contents, or None when it cannot be read."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def compile_model(kilnc, path, out_dir, batch=None):
    """NET-train and NET-infer for `path` in out_dir (planned for `batch`,
    or the model's), recompiled only when the model file, kilnc or the
    runtime libraries are newer, or when the executables there were built
    from another file or batch.
    Returns (train, infer) paths; raises RuntimeError with kilnc's output
    when compilation fails."""
    net = network_json(kilnc, path)
    name = net["name"]
    train = os.path.join(out_dir, name + "-train")
    infer = os.path.join(out_dir, name + "-infer")
    # Times alone cannot tell two files of one name apart (a variant in
    # another directory, older than the executables another built): a
    # stamp names the source's path, contents and batch.
    with open(path, "rb") as f:
        source = "%s %s %s\n" % (os.path.realpath(path),
                                  hashlib.sha256(f.read()).hexdigest(), batch)
    stamp = os.path.join(out_dir, name + ".source")
    # The runtime libraries kilnc links in (build/lib) count as well: a
    # change to the runtime alone does not relink kilnc.
    libs = [os.path.join(os.path.dirname(os.path.dirname(kilnc)), "lib", lib)
            for lib in ("libKilnExec.a", "libKilnRuntime.a")]
    newest = max([os.path.getmtime(path), os.path.getmtime(kilnc)] +
                 [os.path.getmtime(lib) for lib in libs
                  if os.path.exists(lib)])
    if all(os.path.exists(p) and os.path.getmtime(p) > newest
           for p in (train, infer)) and _read(stamp) == source:
        return train, infer
    os.makedirs(out_dir, exist_ok=True)
    cmd = [kilnc, path, "-o", out_dir]
    if batch:
        cmd.append("--batch=%d" % batch)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("kilnc -o failed on %s: %s" % (
            os.path.basename(path), first_error(out.stderr)))
    with open(stamp, "w") as f:
        f.write(source)
    return train, infer


class Child:
    """A finished child process: status, output, wall time, peak RSS."""

    def __init__(self, returncode, stdout, stderr, seconds, maxrss_mb):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.maxrss_mb = maxrss_mb


def run_child(cmd, cwd=None, log_path=None, env=None, forward_signals=False):
    """Runs `cmd` and returns a Child with its own ru_maxrss (os.wait4 gives
    the child's rusage alone, not the sum over all children).

    With forward_signals, SIGINT and SIGTERM sent to this script (or typed
    at its terminal) are passed on to the child, once per signal, and this
    script keeps waiting: a NET-train stops cleanly on the first and writes
    its checkpoint. The child runs in its own session so that Ctrl-C reaches
    it once, through us, not twice."""
    start = time.monotonic()
    out = open(log_path, "w") if log_path else subprocess.PIPE
    p = subprocess.Popen(cmd, cwd=cwd, stdout=out,
                         stderr=subprocess.STDOUT if log_path else
                         subprocess.PIPE, text=True, env=env,
                         start_new_session=forward_signals)
    previous = {}
    if forward_signals:
        for signo in (signal.SIGINT, signal.SIGTERM):
            previous[signo] = signal.signal(
                signo, lambda n, _frame: p.send_signal(n))
    try:
        stdout = stderr = ""
        if not log_path:
            # Drain the pipes, then reap with wait4 for the rusage.
            stdout, stderr = p.stdout.read(), p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
    finally:
        for signo, handler in previous.items():
            signal.signal(signo, handler)
    p.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    if log_path:
        out.close()
        with open(log_path) as f:
            stdout = f.read()
    return Child(p.returncode, stdout, stderr, seconds,
                 usage.ru_maxrss / 1024.0)


def read_history(path):
    """A NET-train history CSV as one dict per epoch, keyed by its header."""
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip()]
    keys = lines[0].split(",")
    return [dict(zip(keys, l.split(","))) for l in lines[1:]]


def command_line():
    """This script's arguments, paths inside the tree made relative to it,
    for the "Written by" line of docs/results.md."""
    out = []
    for a in sys.argv[1:]:
        if os.path.isabs(a) and a.startswith(ROOT + os.sep):
            a = os.path.relpath(a, ROOT)
        out.append(shlex.quote(a))
    return " ".join(out)


def machine():
    """The machine a run is on and the Kiln it runs, for docs/results.md.
    Taken when the run starts: a run of hours may outlive the commit it
    began on. A tree with changes outside docs/ (which the runs write) is
    marked, as its commit alone does not name the code."""
    cpu, flags, family, model = platform.machine(), "", "", ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "cpu family":
                    family = value
                elif key == "model":
                    model = value
                elif key == "model name":
                    cpu = value
                    # A virtual machine's name ("AMD EPYC") may not tell
                    # one generation from the next, whose speeds differ.
                    if family:
                        cpu += " (family %s, model %s)" % (family, model)
                elif line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "fma")
           if re.search(r"\b%s\b" % f, flags)]
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                                 "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", ROOT, "status", "--porcelain",
             "--untracked-files=no", "--", ".", ":(exclude)docs"],
            capture_output=True, text=True).stdout.strip()
        if commit and changed:
            commit += " with local changes"
    except OSError:
        commit = ""
    return {"cpu": cpu, "cores": os.cpu_count(), "isa": " ".join(isa),
            "kernel": platform.release(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%d %H:%M UTC"),
            "commit": commit}


def machine_line(m):
    return ("%s, %d cores (%s), Linux %s; %s; Kiln %s" %
            (m["cpu"], m["cores"], m["isa"], m["kernel"], m["date"],
             m["commit"]))


# --- the report's figures -----------------------------------------------------


def report_figures():
    """{model file stem: (figure text, accuracy in percent or None)} from
    the table in models/README.md, the one place the figures are tabulated
    (each model file's header quotes the report in full)."""
    figures = {}
    with open(os.path.join(MODELS, "README.md")) as f:
        for line in f:
            m = re.match(r"\|\s*\[([\w-]+)\.kiln\]\([^)]*\)\s*\|(.*)\|\s*$",
                         line)
            if not m:
                continue
            cells = [c.strip() for c in m.group(2).split("|")]
            text = cells[-1]
            figures[m.group(1)] = (text, figure_value(text))
    return figures


def figure_value(text):
    """The accuracy (percent) a figure's text states: its first
    percentage, else a 'val_acc 0.8463'-style fraction."""
    m = re.search(r"(\d+(?:\.\d+)?)%", text)
    if m:
        return float(m.group(1))
    m = re.search(r"acc\w*\s*:?\s*(0\.\d+)", text)
    return round(float(m.group(1)) * 100, 6) if m else None


# --- docs/results.md -----------------------------------------------------------

RESULTS_HEAD = """# Results

Generated by the scripts in [`tools/bench`](../tools/bench/README.md); each
section below is rewritten by the script named in it and nothing else.

"""


def write_section(section, body, path=RESULTS):
    """Replaces the text between `<!-- bench:SECTION -->` and
    `<!-- /bench:SECTION -->` in docs/results.md (appending the section
    when it is missing, creating the file when needed)."""
    begin, end = "<!-- bench:%s -->" % section, "<!-- /bench:%s -->" % section
    text = RESULTS_HEAD
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    block = begin + "\n" + body.rstrip("\n") + "\n" + end
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    write_atomically(path, text)


def write_atomically(path, text):
    """Writes `text` to a temporary file beside `path` and renames it over
    `path`, so a reader never sees half a file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---" for _ in header) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def text_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]
    fmt = "  ".join("%%-%ds" % w for w in widths)
    lines = [fmt % tuple(header)]
    lines += [fmt % tuple(str(c) for c in r) for r in rows]
    return "\n".join(l.rstrip() for l in lines)


def median_rate(images, repeats, window):
    """Images/s of `window()`, which processes `images` images: the median
    of `repeats` timed calls, since a small network's window lasts
    milliseconds and one hiccup of the machine would otherwise be the
    figure."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        window()
        rates.append(images / (time.perf_counter() - start))
    return statistics.median(rates)


# --- data for timing runs ----------------------------------------------------------


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
             for i in range(dims)]
    return shape, data[4 + 4 * dims:]


def write_timing_idx(net, count, out_prefix):
    """The first `count` training images of the model's data whose labels
    the model keeps, with labels renumbered as its `select` says, as a plain
    IDX pair OUT-images.idx / OUT-labels.idx. For timing only: the runtime
    may apply `select` once more (then it keeps fewer images, all in range)."""
    d = net["data"]
    shape, pixels = read_idx(d["train_images"])
    _, labels = read_idx(d["train_labels"])
    size = 1
    for s in shape[1:]:
        size *= s
    select = d["select"]
    keep_images, keep_labels = [], bytearray()
    for i, label in enumerate(labels):
        if select and label not in select:
            continue
        keep_images.append(pixels[i * size:(i + 1) * size])
        keep_labels.append(select.index(label) if select else label)
        if len(keep_labels) == count:
            break
    n = len(keep_labels)
    header = bytes([0, 0, 8, len(shape)]) + n.to_bytes(4, "big")
    for s in shape[1:]:
        header += s.to_bytes(4, "big")
    with open(out_prefix + "-images.idx", "wb") as f:
        f.write(header)
        f.write(b"".join(keep_images))
    with open(out_prefix + "-labels.idx", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + n.to_bytes(4, "big"))
        f.write(bytes(keep_labels))
    return out_prefix + "-images.idx", out_prefix + "-labels.idx"
