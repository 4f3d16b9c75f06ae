#!/bin/sh
# tests/qemu/demo.sh - what `make demo` shows, run inside a test guest:
# a program that counts is checkpointed into an encrypted image, killed,
# inspected, and restarted; the count goes on from where it was.
set -eu

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

cd /tmp
say "A program that counts, one number every half second"
python3 -c '
import time
i = 0
while True:
    i += 1
    print("count", i, flush=True)
    time.sleep(0.5)
' &
pid=$!
sleep 5

say "An identity for the images (ckpt keygen)"
recipient=$(ckpt keygen -o /tmp/demo.key)
echo "recipient: $recipient"

say "Checkpoint pid $pid, encrypted to that recipient, and kill it"
ckpt checkpoint "$pid" -r "$recipient" --kill -o /tmp/counter.ckpt
wait "$pid" 2>/dev/null || true
ls -l /tmp/counter.ckpt
kill -0 "$pid" 2>/dev/null || echo "pid $pid is gone"

say "What the image holds (ckpt info)"
ckpt info -i /tmp/demo.key /tmp/counter.ckpt | head -40

say "Restart it: the count goes on"
timeout -s TERM 4 ckpt restart -i /tmp/demo.key /tmp/counter.ckpt || true

say "Done: the counter was checkpointed, killed and brought back"
