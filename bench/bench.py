#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""bench/bench.py - ckpt against CRIU and the copy limit, in one guest.

Usage:
  bench.py run [--sizes LIST] [--runs N] [--tap] [--host-cpu S] [--accel S]
  bench.py collect LOG OUT.json [--accel S] [--host S]
  bench.py table FILE.json...

run (in a test guest, as root; bench/run boots the guests) measures, for a
workload holding SIZE MiB of pseudo-random bytes (bench/workload.c) and,
for "sparse", 1 GiB mapped with 5% of its pages touched:

  ckpt checkpoint            --plaintext, to tmpfs; the target keeps running
  ckpt checkpoint-encrypted  -r RECIPIENT (secretstream), to tmpfs
  criu dump                  -t PID -D DIR --shell-job (the target dies)
  criu dump-leave-running    the same with --leave-running
  ckpt restart               --detach, from the plaintext image
  ckpt restart-encrypted     --detach -i IDENTITY, from the encrypted one
  criu restore               -D DIR --shell-job -d, from the dump
  copy                       the same bytes, memory to a tmpfs file, in
                             1 MiB writes (bench/limits.c)
  encrypt                    secretstream over the same bytes in memory, in
                             the ckpt command's 64 KiB messages
  populate                   as much fresh anonymous memory faulted in for
                             writing (MADV_POPULATE_WRITE), dense workloads
                             only: what any restart pays for its memory
                             before it copies a byte

Checkpoints are timed from the command's start to its exit; restarts from
the command's start to the restored workload's first loop iteration, which
the workload itself timestamps (CLOCK_MONOTONIC, read through
/proc/PID/mem).  The downtime of a leave-running checkpoint is the
largest gap between two of the target's loop iterations while it ran.
Peak RSS is the command's own ru_maxrss (bench/rusage.c runs each command).

Before the first iteration every free page of the guest is touched once
(under TCG a page's first touch costs a host fault, which would fall on
whichever tool came first).  Each iteration starts a fresh workload and
runs the tools round-robin on it, starting one step later each time: ckpt
plaintext (checkpoint, then restart), ckpt encrypted (checkpoint,
restart), criu --leave-running, the copy, the encryption, the populate
limit; then criu dump, which kills the workload, and criu restore.
Every figure is the median of --runs iterations, with min and max.
Images live on the guest's /tmp (tmpfs) and are removed as soon as they
have been measured and restarted: 1 GiB needs about 4 GiB of guest memory
(the workload, an image, the restored copy).

Prints a table, then the results as JSON between the lines
@@BENCH-JSON-BEGIN@@ and @@BENCH-JSON-END@@; with --tap (make check),
TAP instead of the JSON: one result per figure, "ok" when every run of it
worked (timings are never judged), a SKIP for CRIU if it cannot run in
this guest.  A CRIU that cannot run is reported as unavailable, with the
reason, never measured otherwise.  Exits 1 if anything failed.

collect takes the JSON out of a guest's output (bench/run saved it) into
a results file, with what only the host knows (the accelerator that
tests/qemu/vm chose, the host's load); table prints the table of results
files.
"""

import argparse
import ctypes
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, "build", "bin")
BENCH_BIN = os.path.join(REPO, "build", "bench")
WORK = "/tmp/bench"
JSON_BEGIN = "@@BENCH-JSON-BEGIN@@"
JSON_END = "@@BENCH-JSON-END@@"

SPARSE_MIB = 1024
SPARSE_PERCENT = 5

# What the warm-up leaves free, so that it cannot push the guest into OOM.
WARM_MARGIN_KIB = 128 * 1024

# bench/workload.c: struct heartbeat, and its magic.
HB_FORMAT = "<6Q"
HB_SIZE = struct.calcsize(HB_FORMAT)
HB_MAGIC = 0x2162682D74706B63
HB_MAX_GAP_OFF = 24

# What CRIU 3.17 needs of a stock Debian kernel that is not loaded by
# default: socket diagnostics (it dumps sockets by netlink), nf_tables (its
# kernel feature probe), tun and veth (probed; only logged when missing).
CRIU_MODULES = ["unix_diag", "inet_diag", "tcp_diag", "udp_diag", "raw_diag",
                "netlink_diag", "af_packet_diag", "nf_tables", "tun", "veth"]

# (tool, op) in the order of the table.
FIGURES = [
    ("ckpt", "checkpoint"),
    ("ckpt", "checkpoint-encrypted"),
    ("criu", "dump"),
    ("criu", "dump-leave-running"),
    ("ckpt", "restart"),
    ("ckpt", "restart-encrypted"),
    ("criu", "restore"),
    ("copy", "copy"),
    ("encrypt", "encrypt"),
    ("populate", "populate"),
]


def figures_of(sparse):
    """The (tool, op) pairs measured for a dense or a sparse workload.

    The populate limit is a floor for restoring the dense workloads, whose
    pages are contiguous (and huge pages, under THP "always"); populating
    the sparse workload's touched bytes in one piece would be no floor for
    restoring 13,107 scattered small pages, so it is not measured there.
    """
    return [f for f in FIGURES if not (sparse and f[0] == "populate")]


# How the table names them.
DISPLAY = {("copy", "copy"): "copy (memory to tmpfs)",
           ("encrypt", "encrypt"): "encrypt (in memory)",
           ("populate", "populate"): "populate (fresh memory)"}


def display(tool, op):
    return DISPLAY.get((tool, op), "%s %s" % (tool, op))


# What the figures mean, for the JSON.
METHOD = {
    "workload": "bench/workload.c: SIZE MiB of private anonymous memory, "
                "all pseudo-random bytes, or with sparse 5% of the pages "
                "of 1 GiB spread evenly (MADV_NOHUGEPAGE); a 1 ms sleep loop",
    "images": "on the guest's /tmp, tmpfs",
    "checkpoint": "command start to exit (ckpt checkpoint --plaintext or -r; "
                  "criu dump --shell-job [--leave-running])",
    "restart": "command start to the restored workload's first loop "
               "iteration, which it timestamps itself (ckpt restart "
               "--detach [-i]; criu restore --shell-job -d)",
    "copy": "the same bytes written from memory to a tmpfs file, 1 MiB "
            "writes, open to close",
    "encrypt": "crypto_secretstream_xchacha20poly1305_push over the same "
               "bytes in memory, 64 KiB messages",
    "populate": "mmap of as many bytes of private anonymous memory and "
                "madvise(MADV_POPULATE_WRITE) over them (dense sizes only): "
                "allocating, zeroing and mapping the pages a restart fills",
    "downtime_s": "the target's longest pause between two loop "
                  "iterations during a leave-running checkpoint",
    "peak_rss_kib": "the command's ru_maxrss (max over the runs)",
    "image_bytes": "size of the image file, or sum of the image "
                   "directory's files",
    "order": "a fresh workload per run; per run the tools take turns, "
             "starting one step later each run",
}


class StepError(Exception):
    """A tool failed; the message says which and why."""


def log(msg):
    print("bench: " + msg, flush=True)


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def size_label(size_mib, sparse):
    if sparse:
        return "%d MiB, %d%% touched" % (size_mib, SPARSE_PERCENT)
    return "%d MiB" % size_mib


# ------------------------------------------------------------- processes

def set_child_subreaper():
    """Orphans (a restored workload whose restarter exited) come to us."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def run(argv, name):
    """Run argv to completion: (start_ns, seconds, stdout, peak RSS in KiB).

    bench/rusage.c runs it and times it, from just before its fork
    (start_ns, CLOCK_MONOTONIC) to its reaping, and gives its ru_maxrss,
    which a child of python3 would inherit from the interpreter.
    Output goes to files in WORK: a full pipe must never stall a tool.
    Raises StepError, with the end of its output, if it fails.
    """
    out_path = os.path.join(WORK, name + ".out")
    err_path = os.path.join(WORK, name + ".err")
    ru_path = os.path.join(WORK, name + ".rusage")
    remove(ru_path)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        rc = subprocess.call([os.path.join(BENCH_BIN, "rusage"), ru_path,
                              *argv], stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err, close_fds=True)
    with open(out_path, "r", errors="replace") as f:
        stdout = f.read()
    if rc != 0:
        with open(err_path, "r", errors="replace") as f:
            tail = f.read().strip().splitlines()[-8:]
        raise StepError("%s exited with status %d: %s" %
                        (" ".join(argv), rc, " | ".join(tail)))
    with open(ru_path) as f:
        start_ns, secs, rss = f.read().split()
    return int(start_ns), float(secs), stdout, int(rss)


def kill_and_reap(pid):
    """SIGKILL pid and wait until it is gone (reaped, if it is ours)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    try:
        os.waitpid(pid, 0)
        return
    except ChildProcessError:
        pass
    deadline = time.monotonic() + 30
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        time.sleep(0.01)


def remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def tree_bytes(path):
    """Bytes of a file, or of all files under a directory."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for d, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


# ------------------------------------------------------------- the workload

class Workload:
    """bench/workload.c, running, with its heartbeat at a known address."""

    def __init__(self, size_mib, sparse, tag):
        self.out = os.path.join(WORK, "workload-%s.out" % tag)
        argv = [os.path.join(BENCH_BIN, "workload"), str(size_mib)]
        if sparse:
            argv += ["--sparse", str(SPARSE_PERCENT)]
        # Plain files on tmpfs and /dev/null: both tools restore those.
        with open(self.out, "wb") as out, \
                open(os.path.join(WORK, "workload-%s.err" % tag), "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err,
                                         close_fds=True)
        self.pid = self.proc.pid
        self.alive = True
        deadline = time.monotonic() + 600
        line = ""
        while not line.startswith("ready "):
            if self.proc.poll() is not None:
                raise StepError("the workload exited with status %d before it was ready"
                                % self.proc.returncode)
            if time.monotonic() > deadline:
                raise StepError("the workload was not ready after 600 s")
            time.sleep(0.02)
            with open(self.out) as f:
                line = f.readline()
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        self.hb_addr = int(fields["hb"], 16)
        self.touched = int(fields["touched"])

    def heartbeat(self, pid=None):
        """(count, last_ns, max_gap_ns, max_gap_end_ns) of pid, or None."""
        try:
            fd = os.open("/proc/%d/mem" % (pid or self.pid), os.O_RDONLY)
        except OSError:
            return None
        try:
            raw = os.pread(fd, HB_SIZE, self.hb_addr)
        except OSError:
            return None		# not (yet) the workload's memory
        finally:
            os.close(fd)
        if len(raw) != HB_SIZE:
            return None
        magic, count, last, gap, gap_end, _ = struct.unpack(HB_FORMAT, raw)
        if magic != HB_MAGIC:
            return None
        return count, last, gap, gap_end

    def reset_gap(self):
        """Forget the largest gap so far: the next one is a checkpoint's."""
        fd = os.open("/proc/%d/mem" % self.pid, os.O_RDWR)
        try:
            os.pwrite(fd, bytes(8), self.hb_addr + HB_MAX_GAP_OFF)
        finally:
            os.close(fd)

    def wait_running(self, since_ns, pid=None, what="the workload",
                     timeout=120):
        """Wait until pid has run a loop iteration after since_ns.

        Returns its heartbeat.  For a restored workload the largest gap
        is the one the image left, from the checkpoint to its first
        iteration: max_gap_end_ns is when it ran again.
        """
        deadline = time.monotonic() + timeout
        while True:
            hb = self.heartbeat(pid)
            if hb and hb[1] > since_ns:
                if pid and hb[3] < since_ns:
                    raise StepError("%s (pid %d) runs, but its largest gap "
                                    "ended before the restart began" %
                                    (what, pid))
                return hb
            if time.monotonic() > deadline:
                raise StepError("%s (pid %d) did not run within %d s"
                                % (what, pid or self.pid, timeout))
            time.sleep(0.002)

    def killed(self):
        """Reap it after a tool killed it (criu dump)."""
        self.proc.wait()
        self.alive = False

    def stop(self):
        if self.alive:
            self.proc.kill()
            self.proc.wait()
            self.alive = False


# ------------------------------------------------------------- the steps

class Bench:
    def __init__(self, args):
        self.args = args
        self.samples = {}	# (tool, op, size, sparse) -> [dict]
        self.errors = {}	# the same key -> [messages]
        self.criu_reason = None
        self.ckpt = os.path.join(BIN, "ckpt")
        self.criu = shutil.which("criu")

    def record(self, key, **sample):
        self.samples.setdefault(key, []).append(sample)

    def failed(self, key, msg):
        self.errors.setdefault(key, []).append(msg)
        log("FAILED: %s %s (%s): %s" % (key[0], key[1],
                                        size_label(key[2], key[3]), msg))

    # --- setup

    def setup(self):
        if os.geteuid() != 0:
            sys.exit("bench: run as root, in a test guest (bench/run does)")
        for exe in [self.ckpt] + [os.path.join(BENCH_BIN, b) for b in
                                  ("workload", "limits", "rusage")]:
            if not os.access(exe, os.X_OK):
                sys.exit("bench: %s missing: run make first" % exe)
        if not os.path.exists("/dev/checkpoint"):
            sys.exit("bench: /dev/checkpoint missing: ckpt.ko is not loaded")
        remove(WORK)
        os.makedirs(WORK)
        set_child_subreaper()
        self.recipient = run([self.ckpt, "keygen", "-o",
                              os.path.join(WORK, "id.key")], "keygen")[2].strip()
        self.criu_setup()
        self.warm_memory()

    def warm_memory(self):
        """Touch every free page of the guest once, before any figure.

        Under TCG the first touch of a guest page costs QEMU a page fault
        of its own on the host; whichever tool first writes to memory the
        guest never used pays it, and by chance: one run of a figure is
        0.1-0.15 s slower than the next at 64 MiB.  After this, every
        page a tool gets has been touched before.
        """
        free = (meminfo_kib("MemFree") or 0) - WARM_MARGIN_KIB
        if free <= 0:
            return
        t = time.monotonic()
        try:
            run([os.path.join(BENCH_BIN, "limits"), "populate",
                 str(free * 1024)], "warm-up")
        except StepError as e:
            log("warm-up incomplete, figures may vary more: %s" % e)
            return
        log("warm-up: %d MiB of guest memory touched in %.0f s" %
            (free // 1024, time.monotonic() - t))

    def criu_setup(self):
        if not self.criu:
            self.criu_reason = "criu is not installed"
            return
        for m in CRIU_MODULES:
            subprocess.run(["modprobe", "-q", m], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "set", "lo", "up"],
                       stderr=subprocess.DEVNULL)
        r = subprocess.run([self.criu, "check"], capture_output=True,
                           text=True)
        if r.returncode != 0:
            errs = [l for l in (r.stdout + r.stderr).splitlines()
                    if l.startswith("Error")]
            self.criu_reason = "criu check failed: " + \
                ("; ".join(errs[-3:]) or "status %d" % r.returncode)
            log("CRIU unavailable: " + self.criu_reason)

    def criu_argv(self, *args, log_name):
        return [self.criu, *args, "--shell-job",
                "-o", os.path.join(WORK, log_name + ".log")]

    # --- one step each; key = (tool, op, size, sparse)

    def ckpt_pair(self, w, size, sparse, encrypted):
        """ckpt checkpoint (leave running), then restart from the image."""
        sfx = "-encrypted" if encrypted else ""
        ck = ("ckpt", "checkpoint" + sfx, size, sparse)
        rs = ("ckpt", "restart" + sfx, size, sparse)
        img = os.path.join(WORK, "image%s.ckpt" % sfx)
        keys = ["-r", self.recipient] if encrypted else ["--plaintext"]
        try:
            w.reset_gap()
            _, secs, _, rss = run([self.ckpt, "checkpoint", str(w.pid), "-o", img,
                                "-q", *keys], "ckpt-checkpoint" + sfx)
            # The target's first iteration after its release records the gap.
            hb = w.wait_running(now_ns())
            self.record(ck, secs=secs, image_bytes=tree_bytes(img),
                        rss_kib=rss, downtime=hb[2] / 1e9)
        except StepError as e:
            self.failed(ck, str(e))
            self.failed(rs, "no image: the checkpoint failed")
            remove(img)
            return
        keys = ["-i", os.path.join(WORK, "id.key")] if encrypted else []
        restored = None
        try:
            t0, secs, out, rss = run([self.ckpt, "restart", "--detach", "-q",
                                      *keys, img], "ckpt-restart" + sfx)
            restored = int(out.split()[0])
            hb = w.wait_running(t0, restored, "the restored workload")
            self.record(rs, secs=(hb[3] - t0) / 1e9, cmd_secs=secs,
                        rss_kib=rss)
        except (StepError, ValueError, IndexError) as e:
            self.failed(rs, str(e))
        finally:
            if restored:
                kill_and_reap(restored)
            remove(img)

    def criu_leave_running(self, w, size, sparse):
        key = ("criu", "dump-leave-running", size, sparse)
        if self.criu_reason:
            return
        d = os.path.join(WORK, "criu-lr")
        os.makedirs(d)
        try:
            w.reset_gap()
            _, secs, _, rss = run(self.criu_argv("dump", "-t", str(w.pid), "-D", d,
                                                 "--leave-running",
                                              log_name="criu-dump-lr"),
                               "criu-dump-lr")
            hb = w.wait_running(now_ns())
            self.record(key, secs=secs, image_bytes=tree_bytes(d),
                        rss_kib=rss, downtime=hb[2] / 1e9)
        except StepError as e:
            self.failed(key, "%s (log: %s)" % (e, self.criu_log_tail("criu-dump-lr")))
        finally:
            remove(d)

    def criu_dump_restore(self, w, size, sparse):
        """criu dump (kills the workload), then criu restore from it."""
        dk = ("criu", "dump", size, sparse)
        rk = ("criu", "restore", size, sparse)
        if self.criu_reason:
            return
        d = os.path.join(WORK, "criu")
        os.makedirs(d)
        try:
            try:
                w.reset_gap()	# the restore's gap must be the largest
                _, secs, _, rss = run(self.criu_argv("dump", "-t", str(w.pid), "-D", d,
                                                     log_name="criu-dump"),
                                   "criu-dump")
                w.killed()
                self.record(dk, secs=secs, image_bytes=tree_bytes(d),
                            rss_kib=rss)
            except StepError as e:
                self.failed(dk, "%s (log: %s)" % (e, self.criu_log_tail("criu-dump")))
                self.failed(rk, "no images: the dump failed")
                return
            # criu restores the same pid; -d: it exits once the task runs.
            try:
                t0, secs, _, rss = run(self.criu_argv("restore", "-D", d, "-d",
                                                      log_name="criu-restore"),
                                       "criu-restore")
                hb = w.wait_running(t0, w.pid, "the restored workload")
                self.record(rk, secs=(hb[3] - t0) / 1e9, cmd_secs=secs,
                            rss_kib=rss)
            except StepError as e:
                self.failed(rk, "%s (log: %s)" % (e, self.criu_log_tail("criu-restore")))
            finally:
                kill_and_reap(w.pid)
        finally:
            remove(d)

    def criu_log_tail(self, name):
        try:
            with open(os.path.join(WORK, name + ".log"), errors="replace") as f:
                errs = [l.strip() for l in f if "Error" in l]
            return " | ".join(errs[-3:]) or "no errors logged"
        except OSError:
            return "no log"

    def limit(self, what, w, size, sparse):
        """The copy, encryption or populate limit for the bytes touched."""
        key = (what, what, size, sparse)
        f = os.path.join(WORK, "copy.data")
        argv = [os.path.join(BENCH_BIN, "limits"), what, str(w.touched)]
        try:
            _, _, out, _ = run(argv + ([f] if what == "copy" else []), what)
            self.record(key, secs=float(out.split()[0]),
                        image_bytes=tree_bytes(f) if what == "copy" else None)
        except (StepError, ValueError, IndexError) as e:
            self.failed(key, str(e))
        finally:
            remove(f)

    # --- the loop

    def iteration(self, size, sparse, i):
        tag = "%d%s-%d" % (size, "s" if sparse else "", i)
        try:
            w = Workload(size, sparse, tag)
        except StepError as e:
            for tool, op in figures_of(sparse):
                self.failed((tool, op, size, sparse), "no workload: " + str(e))
            return
        try:
            steps = [
                lambda: self.ckpt_pair(w, size, sparse, False),
                lambda: self.ckpt_pair(w, size, sparse, True),
                lambda: self.criu_leave_running(w, size, sparse),
                lambda: self.limit("copy", w, size, sparse),
                lambda: self.limit("encrypt", w, size, sparse),
            ]
            if not sparse:
                steps.append(lambda: self.limit("populate", w, size, sparse))
            k = i % len(steps)
            for step in steps[k:] + steps[:k]:
                step()
            self.criu_dump_restore(w, size, sparse)
        finally:
            w.stop()

    def measure(self):
        for size, sparse in self.args.sizes:
            for i in range(self.args.runs):
                t = time.monotonic()
                self.iteration(size, sparse, i)
                log("%s: run %d of %d done in %.0f s" %
                    (size_label(size, sparse), i + 1, self.args.runs,
                     time.monotonic() - t))

    # --- results

    def figures(self, kernel):
        out = []
        for size, sparse in self.args.sizes:
            for tool, op in figures_of(sparse):
                key = (tool, op, size, sparse)
                fig = {"kernel": kernel, "tool": tool, "op": op,
                       "size_mib": size, "sparse": sparse}
                if sparse:
                    fig["touched_percent"] = SPARSE_PERCENT
                s = self.samples.get(key, [])
                errs = self.errors.get(key, [])
                if tool == "criu" and self.criu_reason:
                    fig.update(available=False, reason=self.criu_reason)
                elif errs or not s:
                    fig.update(available=False,
                               reason=errs[0] if errs else "not measured")
                    if s:
                        fig["failed_runs"] = len(errs)
                if s and not errs:
                    fig["available"] = True
                if s:
                    secs = [x["secs"] for x in s]
                    fig.update(runs=len(s),
                               median_s=round(statistics.median(secs), 4),
                               min_s=round(min(secs), 4),
                               max_s=round(max(secs), 4),
                               samples_s=[round(x, 4) for x in secs])
                    imgs = [x["image_bytes"] for x in s
                            if x.get("image_bytes") is not None]
                    if imgs:
                        fig["image_bytes"] = int(statistics.median(imgs))
                    rss = [x["rss_kib"] for x in s if x.get("rss_kib")]
                    if rss:
                        fig["peak_rss_kib"] = max(rss)
                    down = [x["downtime"] for x in s if "downtime" in x]
                    if down:
                        fig.update(downtime_s=round(statistics.median(down), 4),
                                   downtime_min_s=round(min(down), 4),
                                   downtime_max_s=round(max(down), 4))
                    cmd = [x["cmd_secs"] for x in s if "cmd_secs" in x]
                    if cmd:
                        fig["command_median_s"] = round(statistics.median(cmd), 4)
                out.append(fig)
        return out


def first_line(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return None


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def meminfo_kib(field):
    """A /proc/meminfo field in KiB, or None if the kernel has none."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def own_session():
    """Make this process a session leader, forking if it must.

    CRIU refuses a task whose session is 0, the guest init's ("A session
    leader of PID is outside of its pid namespace"); with --shell-job it
    accepts a session leader outside the dumped tree, as this one is.
    setsid() fails in a process group leader: then a child goes on.
    """
    if os.getsid(0) == os.getpid():
        return
    if os.getpgid(0) == os.getpid():
        sys.stdout.flush()
        pid = os.fork()
        if pid:
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
    os.setsid()


def cmd_run(args):
    own_session()
    b = Bench(args)
    b.setup()
    kernel = platform.release()
    started = time.monotonic()
    log("kernel %s, sizes %s, %d runs each" %
        (kernel, ", ".join(size_label(*s) for s in args.sizes), args.runs))
    if args.tap:
        print("TAP version 13")
        print("1..%d" % sum(len(figures_of(sparse))
                            for _, sparse in args.sizes), flush=True)
    b.measure()
    figs = b.figures(kernel)
    accel = args.accel or ("KVM" if "QEMU TCG" not in cpu_model() else "TCG")
    result = {
        "kernel": kernel,
        "accel": accel.split()[0].upper(),
        "accel_detail": accel,
        "cpu": args.host_cpu or cpu_model(),
        "guest_cpu": cpu_model(),
        "guest_vcpus": os.cpu_count(),
        "guest_mem_mib": (meminfo_kib("MemTotal") or 0) // 1024,
        "date": datetime.datetime.now(datetime.timezone.utc)
                        .isoformat(timespec="seconds"),
        "runs": args.runs,
        "ckpt_version": first_line([b.ckpt, "--version"]),
        "criu_version": first_line([b.criu, "--version"]) if b.criu else None,
        "criu_unavailable": b.criu_reason,
        "elapsed_s": round(time.monotonic() - started),
        "method": METHOD,
        "figures": figs,
    }
    print(render_table(result), flush=True)
    if args.tap:
        for n, f in enumerate(figs, 1):
            what = "%s, %s" % (display(f["tool"], f["op"]),
                               size_label(f["size_mib"], f["sparse"]))
            if f.get("available"):
                print("ok %d - %s: %.3f s" % (n, what, f["median_s"]))
            elif f["tool"] == "criu" and b.criu_reason:
                print("ok %d - %s # SKIP %s" % (n, what, b.criu_reason))
            else:
                print("not ok %d - %s: %s" % (n, what, f["reason"]))
    else:
        print(JSON_BEGIN)
        print(json.dumps(result, indent=1))
        print(JSON_END, flush=True)
    remove(WORK)
    bad = [f for f in figs if not f.get("available")
           and not (f["tool"] == "criu" and b.criu_reason)]
    return 1 if bad else 0


# ------------------------------------------------------------- the table

def fmt_s(x):
    return "%.2f" % x if x < 100 else "%.0f" % x


def render_table(r):
    figs = {(f["tool"], f["op"], f["size_mib"], f["sparse"]): f
            for f in r["figures"]}
    sizes = []
    for f in r["figures"]:
        if (f["size_mib"], f["sparse"]) not in sizes:
            sizes.append((f["size_mib"], f["sparse"]))
    lines = [
        "%s, %s, %d vCPU, %s MiB; CPU: %s; %s; median of %d runs" %
        (r["kernel"], r.get("accel_detail", r["accel"]),
         r.get("guest_vcpus") or 0, r.get("guest_mem_mib"), r["cpu"],
         r["date"][:10], r["runs"]),
    ]
    if r.get("host_load"):
        lines.append("host: " + r["host_load"])
    lines.append("")
    head = ("size", "tool op", "median s", "min-max s", "image MiB",
            "RSS MiB", "down s", "/CRIU", "/CRIU-lr", "/copy")
    rows = [head]
    notes = []
    for size, sparse in sizes:
        g = lambda tool, op: figs.get((tool, op, size, sparse), {})
        copy = g("copy", "copy").get("median_s")
        label = size_label(size, sparse)
        for tool, op in FIGURES:
            f = g(tool, op)
            if not f:
                continue
            row = [label, display(tool, op)]
            label = ""
            if "median_s" not in f:
                rows.append(row + ["unavailable: " + f.get("reason", "?")])
                continue
            row += [fmt_s(f["median_s"]),
                    "%s-%s" % (fmt_s(f["min_s"]), fmt_s(f["max_s"])),
                    "%.1f" % (f["image_bytes"] / 1048576)
                    if "image_bytes" in f else "",
                    "%.1f" % (f["peak_rss_kib"] / 1024)
                    if tool == "ckpt" and "peak_rss_kib" in f else "",
                    fmt_s(f["downtime_s"]) if "downtime_s" in f else ""]
            ratio = lambda other: ("%.2f" % (f["median_s"] / other["median_s"])
                                   if other.get("median_s") else "")
            if tool == "ckpt" and op.startswith("checkpoint"):
                row += [ratio(g("criu", "dump")),
                        ratio(g("criu", "dump-leave-running")),
                        "%.2f" % (f["median_s"] / copy) if copy else ""]
            elif tool == "ckpt":
                row += [ratio(g("criu", "restore")), "",
                        "%.2f" % (f["median_s"] / copy) if copy else ""]
            rows.append(row)
            if not f.get("available", True):
                notes.append("%s %s (%s): some runs failed: %s" %
                             (tool, op, size_label(size, sparse), f.get("reason")))
        enc = g("ckpt", "checkpoint-encrypted").get("median_s")
        plain = g("ckpt", "checkpoint").get("median_s")
        cost = g("encrypt", "encrypt").get("median_s")
        if enc and plain and cost:
            notes.append("%s: checkpoint-encrypted / max(checkpoint, encrypt) = %.2f"
                         % (size_label(size, sparse), enc / max(plain, cost)))
        fill = g("populate", "populate").get("median_s")
        restart = g("ckpt", "restart").get("median_s")
        restore = g("criu", "restore").get("median_s")
        if fill and restart and restore:
            notes.append("%s: populate / criu restore = %.2f, "
                         "ckpt restart / populate = %.2f"
                         % (size_label(size, sparse), fill / restore,
                            restart / fill))
    widths = [max(len(row[i]) for row in rows if i < len(row) and
                  not (len(row) == 3 and i == 2))
              for i in range(len(head))]
    for row in rows:
        if len(row) == 3:	# unavailable: one long cell
            lines.append("  ".join([row[0].ljust(widths[0]),
                                    row[1].ljust(widths[1]), row[2]]))
            continue
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [c.rjust(widths[i + 2]) for i, c in enumerate(row[2:])]
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append("median s: checkpoints and dumps, command start to exit; "
                 "restarts and restores, command start to the restored "
                 "workload's first loop iteration.")
    lines.append("down s: the target's longest stop during a leave-running "
                 "checkpoint (median).  RSS: peak of the ckpt command.  "
                 "/CRIU: ckpt over criu dump (checkpoints) or criu restore "
                 "(restarts); /CRIU-lr: over criu dump --leave-running; "
                 "/copy: over the copy limit (memory to tmpfs).")
    if r.get("criu_unavailable"):
        lines.append("CRIU unavailable: " + r["criu_unavailable"])
    lines += notes
    return "\n".join(lines)


def cmd_collect(args):
    """The results of one guest's log, with what only the host knows."""
    with open(args.log, errors="replace") as f:
        text = f.read()
    begin = text.rfind(JSON_BEGIN)
    end = text.find(JSON_END, begin)
    if begin < 0 or end < 0:
        sys.exit("bench: %s: no results in it (%s ... %s)" %
                 (args.log, JSON_BEGIN, JSON_END))
    r = json.loads(text[begin + len(JSON_BEGIN):end])
    if args.accel:
        r["accel"] = args.accel.split()[0].upper()
        r["accel_detail"] = args.accel
    if args.host:
        r["host_load"] = args.host
    with open(args.output + ".tmp", "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    os.rename(args.output + ".tmp", args.output)
    return 0


def cmd_table(args):
    for i, path in enumerate(args.files):
        with open(path) as f:
            r = json.load(f)
        if i:
            print()
        print(render_table(r))
    return 0


# ------------------------------------------------------------- main

def parse_sizes(text):
    sizes = []
    for word in text.replace(",", " ").split():
        if word == "sparse":
            sizes.append((SPARSE_MIB, True))
        elif word.isdigit() and int(word) > 0:
            sizes.append((int(word), False))
        else:
            raise argparse.ArgumentTypeError(
                "'%s': sizes are MiB numbers or 'sparse'" % word)
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes")
    return sizes


def main():
    ap = argparse.ArgumentParser(
        prog="bench.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="measure (in a guest, as root)")
    r.add_argument("--sizes", type=parse_sizes,
                   default=parse_sizes("64,256,1024,sparse"),
                   help="MiB sizes and 'sparse' (1 GiB, 5%% touched); "
                        "default 64,256,1024,sparse")
    r.add_argument("--runs", type=int, default=5,
                   help="iterations per size (default 5)")
    r.add_argument("--tap", action="store_true",
                   help="also print TAP, one result per figure")
    r.add_argument("--host-cpu", help="the CPU to report (the host's)")
    r.add_argument("--accel", help="how the guest runs, e.g. 'tcg thread=single'")
    t = sub.add_parser("table", help="print the table of results files")
    t.add_argument("files", nargs="+")
    c = sub.add_parser("collect", help="results from a guest's log to a file")
    c.add_argument("log")
    c.add_argument("output")
    c.add_argument("--accel", help="as tests/qemu/vm said, e.g. 'tcg thread=single'")
    c.add_argument("--host", help="what else the host was doing")
    args = ap.parse_args()
    if args.cmd == "run":
        if args.runs < 1:
            ap.error("--runs must be at least 1")
        return cmd_run(args)
    if args.cmd == "collect":
        return cmd_collect(args)
    return cmd_table(args)


if __name__ == "__main__":
    sys.exit(main())
