#!/usr/bin/env bash
# A real full disk (needs root: it mounts a 200 KiB tmpfs): gantry train fills it with
# checkpoints, must stop with exit 3 and the full-disk line, leave the last complete
# checkpoint in use, and continue with --resume once the disk has room. Not part of CI (the
# CI test of the same path injects the failing write instead).
set -euo pipefail
cd "$(dirname "$0")/.."
disk=$(mktemp -d)
trap 'umount "$disk" 2>/dev/null || true; rmdir "$disk"' EXIT
mount -t tmpfs -o size=200k tmpfs "$disk"
set +e
node packages/cli/dist/bin.js train --backend cpu --units 32 --layers 2 --steps 3000 --checkpoint-every 10 --out "$disk/run" > /dev/null 2> "$disk.err"
code=$?
set -e
grep '^gantry:' "$disk.err"; rm -f "$disk.err"
echo "exit code $code (expected 3); latest checkpoint: $(cat "$disk/run/checkpoints/latest.json"); entries: $(ls -A "$disk/run/checkpoints" | tr '\n' ' ')"
[ "$code" -eq 3 ]
mount -o remount,size=4m "$disk"
node packages/cli/dist/bin.js train --resume --out "$disk/run" --steps 60 2>/dev/null | grep -E 'resumed from|wrote'
echo "full-disk trial: passed"
