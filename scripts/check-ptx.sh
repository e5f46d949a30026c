#!/usr/bin/env bash
# Fails (exit 1) when the committed PTX in kernels/src/main/resources/io/scalpel/kernels is not what the
# CUDA sources in kernels/src/main/cuda compile to. For CI: `bash scripts/check-ptx.sh`.
#
# Skips (exit 0, with a message) where nvcc is absent, and where the local nvcc is another release than
# the one that made the committed PTX (its output legitimately differs); CHECK_PTX_STRICT=1 turns the
# latter into a failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
committed="$root/kernels/src/main/resources/io/scalpel/kernels"
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT

out="$(bash "$root/kernels/build-ptx.sh" "$fresh")"
if [[ "$out" == *"nvcc not found"* ]]; then
  echo "check-ptx: SKIPPED: nvcc not found, cannot regenerate PTX to compare"
  exit 0
fi

release_of() { grep -m1 -o 'Cuda compilation tools, release [0-9.]*, V[0-9.]*' "$1" || echo "unknown"; }
some_committed="$(ls "$committed"/*.ptx | head -1)"
some_fresh="$fresh/$(basename "$some_committed")"
if [[ -f "$some_fresh" && "$(release_of "$some_committed")" != "$(release_of "$some_fresh")" ]]; then
  msg="committed PTX was made by '$(release_of "$some_committed")', this nvcc is '$(release_of "$some_fresh")'"
  if [[ "${CHECK_PTX_STRICT:-0}" == "1" ]]; then
    echo "check-ptx: FAILED: $msg (CHECK_PTX_STRICT=1)" >&2
    exit 1
  fi
  echo "check-ptx: SKIPPED: $msg; outputs of different nvcc releases differ legitimately"
  exit 0
fi

status=0
for f in "$fresh"/*.ptx; do
  name="$(basename "$f")"
  if [[ ! -f "$committed/$name" ]]; then
    echo "check-ptx: $name is built from kernels/src/main/cuda but not committed" >&2
    status=1
  elif ! cmp -s "$f" "$committed/$name"; then
    echo "check-ptx: $name differs from what kernels/src/main/cuda/${name%.ptx}.cu compiles to:" >&2
    diff -u "$committed/$name" "$f" | head -20 >&2 || true
    status=1
  fi
done
for f in "$committed"/*.ptx; do
  name="$(basename "$f")"
  if [[ ! -f "$fresh/$name" ]]; then
    echo "check-ptx: $name is committed but no kernels/src/main/cuda/${name%.ptx}.cu produces it" >&2
    status=1
  fi
done
if (( status != 0 )); then
  echo "check-ptx: FAILED: committed PTX is stale; run: bash kernels/build-ptx.sh && git add kernels/src/main/resources" >&2
  exit 1
fi
echo "check-ptx: OK: $(ls "$committed"/*.ptx | wc -l) PTX files match their sources ($(release_of "$some_committed"))"
