#!/usr/bin/env bash
# Compiles every kernels/src/main/cuda/*.cu to PTX for compute_80 (Ampere and newer: BF16 wmma needs it).
#
#   kernels/build-ptx.sh [OUT_DIR] [STAMP_DIR]
#
# OUT_DIR defaults to kernels/src/main/resources/io/scalpel/kernels (the committed PTX). STAMP_DIR, when
# given, holds one hash per kernel file (sources + common headers + nvcc version + flags) so an unchanged
# file is not recompiled (nvcc takes ~3 s a file). Without nvcc it says so and exits 0: the committed PTX
# is then what ships. nvcc is looked up as $NVCC, $CUDA_HOME/bin/nvcc, /usr/local/cuda/bin/nvcc, PATH.
# Output is deterministic for a given nvcc (no paths, dates or line info in the PTX): scripts/check-ptx.sh
# relies on that.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src/main/cuda"
out="${1:-$here/src/main/resources/io/scalpel/kernels}"
stamps="${2:-}"
flags=(-ptx -arch=compute_80 -std=c++17)

find_nvcc() {
  local candidate
  for candidate in "${NVCC:-}" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" /usr/local/cuda/bin/nvcc "$(command -v nvcc 2>/dev/null || true)"; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! nvcc="$(find_nvcc)"; then
  echo "build-ptx: nvcc not found (\$NVCC, \$CUDA_HOME/bin, /usr/local/cuda/bin, PATH): keeping the committed PTX in $out"
  exit 0
fi

version="$("$nvcc" --version | tail -1)"
mkdir -p "$out"
[[ -n "$stamps" ]] && mkdir -p "$stamps"
headers_hash="$(cat "$src"/*.cuh | sha256sum | cut -d' ' -f1)"
# One nvcc per file, up to $(nproc) at a time; each writes a temp file and replaces the PTX only if it changed
# (so unchanged files keep their timestamps).
compile_one() {
  local name="$1" ptx="$out/$1.ptx" tmp
  tmp="$(mktemp "$out/.$name.XXXXXX")"
  # From inside the source folder with a relative name, so no absolute path can reach the output.
  if ! (cd "$src" && "$nvcc" "${flags[@]}" "$name.cu" -o "$tmp"); then
    rm -f "$tmp"
    echo "build-ptx: nvcc failed on $src/$name.cu" >&2
    return 1
  fi
  chmod 644 "$tmp"
  if [[ -f "$ptx" ]] && cmp -s "$tmp" "$ptx"; then rm -f "$tmp"; else mv "$tmp" "$ptx"; fi
}

stamp_of() {
  printf '%s\n%s\n%s\n%s\n' "$(sha256sum < "$src/$1.cu" | cut -d' ' -f1)" "$headers_hash" "$version" "${flags[*]}" | sha256sum | cut -d' ' -f1
}

todo=()
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  if [[ -n "$stamps" && -f "$out/$name.ptx" && -f "$stamps/$name.sha256" && "$(cat "$stamps/$name.sha256")" == "$(stamp_of "$name")" ]]; then
    continue
  fi
  todo+=("$name")
done

jobs_max="$(nproc 2>/dev/null || echo 2)"
pids=()
names=()
failed=0
for name in "${todo[@]}"; do
  while (( $(jobs -rp | wc -l) >= jobs_max )); do sleep 0.2; done
  compile_one "$name" &
  pids+=("$!")
  names+=("$name")
done
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    [[ -n "$stamps" ]] && stamp_of "${names[$i]}" > "$stamps/${names[$i]}.sha256"
  else
    failed=1
  fi
done
(( failed == 0 )) || exit 1
total=$(ls "$src"/*.cu | wc -l)
echo "build-ptx: ${#todo[@]} compiled, $(( total - ${#todo[@]} )) unchanged ($version) -> $out"
