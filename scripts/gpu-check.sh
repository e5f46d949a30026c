#!/usr/bin/env bash
# The GPU check: CUDA kernels vs the CPU reference, then the GPU benchmarks, then an optional end-to-end
# part — all inside one 600-second device command: the whole run keeps to GPU_CHECK_BUDGET seconds
# (default 560), the summary of the tests and benchmarks is printed as soon as they finish (before the
# long part), and each end-to-end step gets only the time left (skipped, and said so, when too little is).
#
# Two steps, because the lent GPU machine has no JDK, Maven or network (../shared/device/README.md):
#
#   here:      bash scripts/gpu-check.sh prepare
#              builds the modules, assembles target/gpu-check/ (jars, test classes, a JUnit runner)
#              and makes .jre.tgz (jlink'd Java 25) if it is missing. Both paths are git-ignored.
#   on the GPU machine (device tool):
#              run  command: "bash scripts/gpu-check.sh"   carry: [".jre.tgz", "target/gpu-check"]
#
# Full logs go to $OUT (the device tool's output folder; target/gpu-check-out elsewhere): gpu-tests.log,
# bench.log, bench.json. A short table is printed last. Without a GPU every step still runs and reports
# "no CUDA device" (the tests as aborted with that reason, the benchmarks as skipped); exit status 0.
# On a machine where nvidia-smi lists a GPU, SCALPEL_REQUIRE_CUDA=1 turns a failed CUDA probe into test
# failures instead of skips.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bundle="target/gpu-check"
jvm_flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m)

prepare() {
  set -e
  . scripts/java-env.sh
  local mvn=(mvn -B -q -o -Dscalpel.ptx.skip=false)
  rm -rf "$bundle"
  mkdir -p "$bundle/lib" "$bundle/test-classes" "$bundle/runner"
  # One reactor run: package everything the benchmarks need and copy every module's jars, test scope
  # included (JUnit for the engine's tests), into the bundle.
  "${mvn[@]}" -pl benchmarks -am package dependency:copy-dependencies -DskipTests -DincludeScope=test \
    -DoutputDirectory="$root/$bundle/lib"
  # The JUnit platform launcher the runner drives (Surefire brings its own elsewhere).
  "${mvn[@]}" -N dependency:copy -Dartifact=org.junit.platform:junit-platform-launcher:1.14.1 -DoutputDirectory="$root/$bundle/lib"
  cp benchmarks/target/scalpel-benchmarks-*.jar "$bundle/lib/"
  cp -r engine/target/test-classes/. "$bundle/test-classes/"
  rm -f "$bundle"/lib/scalpel-engine-*-tests.jar
  "$JAVA_HOME/bin/javac" -d "$bundle/runner" -cp "$bundle/lib/*" scripts/GpuTestRunner.java
  # The device machine receives only this checkout: carry the few shared files the GPU checks read
  # (golden fixtures, the small models, SST-2 dev, the TinyStories sample, the transformers check)
  # inside the git-ignored bundle — copies for the trip, never committed.
  local shared=../shared
  mkdir -p "$bundle/shared/data/sst2"
  cp -r "$shared/golden" "$shared/models" "$shared/device" "$shared/data/tinystories" "$bundle/shared/" 2>/dev/null || true
  mv "$bundle/shared/tinystories" "$bundle/shared/data/" 2>/dev/null || true
  cp "$shared/data/sst2/dev.tsv" "$bundle/shared/data/sst2/" 2>/dev/null || true
  if [[ ! -f .jre.tgz ]]; then
    JDK="$JAVA_HOME" bash ../shared/device/make-jre.sh
  fi
  echo "gpu-check prepare: $(du -sh "$bundle" | cut -f1) in $bundle, $(du -sh .jre.tgz | cut -f1) in .jre.tgz (carry limit 64 MiB)"
}

if [[ "${1:-}" == "prepare" ]]; then
  prepare
  exit $?
fi

out="${OUT:-$root/target/gpu-check-out}"
mkdir -p "$out"
start=$(date +%s)
budget="${GPU_CHECK_BUDGET:-560}"
left() { echo $(( budget - ($(date +%s) - start) )); }
# budgeted SECONDS CMD...: runs CMD under timeout min(SECONDS, time left - 15 s of margin for the summary);
# skips it (status 125) when fewer than 20 s would remain.
budgeted() {
  local want="$1"; shift
  local t=$(( $(left) - 15 )); (( t > want )) && t=$want
  if (( t < 20 )); then echo "skipped (time budget: $(left) s left of $budget): $*"; return 125; fi
  timeout "$t" "$@"
  local status=$?
  [[ $status -eq 124 ]] && echo "TIMED OUT after $t s: $*"
  return $status
}

if [[ -f .jre.tgz ]]; then
  tar xzf .jre.tgz && export PATH="$root/.jre/bin:$PATH"
elif [[ -z "${JAVA_HOME:-}" ]]; then
  . scripts/java-env.sh || exit 2
fi
echo "== machine"
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi -L; gpu_listed=$?; else echo "nvidia-smi: not installed"; gpu_listed=1; fi
nvcc_bin="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
if [[ -x "$nvcc_bin" ]]; then "$nvcc_bin" --version | tail -1; else echo "nvcc: not installed"; fi
java -version 2>&1 | head -1
if [[ ! -d "$bundle/lib" ]]; then
  echo "gpu-check: $bundle is missing: run 'bash scripts/gpu-check.sh prepare' on the build machine and carry it" >&2
  exit 2
fi
if [[ $gpu_listed -eq 0 && -z "${SCALPEL_REQUIRE_CUDA:-}" ]]; then export SCALPEL_REQUIRE_CUDA=1; fi
cp="$bundle/runner:$bundle/test-classes:$bundle/lib/*"

echo "== GPU tests (kernels vs CpuBackend) -> $out/gpu-tests.log"
budgeted 150 java "${jvm_flags[@]}" -Dscalpel.shared="$root/$bundle/shared" -cp "$cp" GpuTestRunner io.scalpel.backend.cuda class:io.scalpel.backend.BackendChoiceTest \
  > "$out/gpu-tests.log" 2>&1
tests_status=$?

echo "== GPU benchmarks -> $out/bench.log, $out/bench.json"
budgeted 120 java "${jvm_flags[@]}" -cp "$cp" io.scalpel.bench.cuda.CudaBenchReport --quick --json "$out/bench.json" \
  > "$out/bench.log" 2>&1
bench_status=$?

# The summary of what must run, printed before the optional long part so a cut-off run still shows it.
echo
echo "== summary: tests and benchmarks ($(( $(date +%s) - start )) s)"
grep -E "^FAILED " "$out/gpu-tests.log" | head -20
grep -E "^ABORTED " "$out/gpu-tests.log" | sed -E 's/^ABORTED [^ ]+( [^—]*)? — /aborted: /' | sort | uniq -c | head -5
grep -oE "\[on (cuda|emu) [^]]*\]" "$out/gpu-tests.log" | sort | uniq -c | head -3
grep -E "^tests: |TIMED OUT|^skipped" "$out/gpu-tests.log" || { echo "GPU tests did not finish (status $tests_status):"; tail -5 "$out/gpu-tests.log"; }
if grep -q "^GPU kernels on" "$out/bench.log"; then
  sed -n '/^GPU kernels on/,$p' "$out/bench.log"
else
  grep -E "skipped|TIMED OUT|Exception|Error" "$out/bench.log" | head -5 || tail -5 "$out/bench.log"
fi

# Optional, within what is left of the budget — end to end on the device: decode/prefill of a synth 1B F16
# checkpoint, ours vs transformers' eager generate on the same files (7B too with GPU_CHECK_7B=1), a 110M
# Q4_K_M GGUF bench, the whole surgery with --device cuda, and the golden fixtures against transformers itself.
scalpel=(java "${jvm_flags[@]}" -Xmn64m -cp "$bundle/lib/*" io.scalpel.cli.ScalpelCommand)
shapes=(1B); [[ -n "${GPU_CHECK_7B:-}" ]] && shapes+=(7B)
echo "== end to end ($(left) s left) -> $out/e2e.log"
{
  for shape in "${shapes[@]}"; do
    dir="/tmp/scalpel-synth-$shape-f16"
    [[ -d "$dir" ]] || budgeted 200 "${scalpel[@]}" synth --shape "$shape" --dtype f16 --format safetensors --out "$dir"
    echo "-- scalpel bench $shape F16 (cuda)"
    budgeted 120 "${scalpel[@]}" bench --model "$dir" --device cuda --tokens 128 --json
    echo "-- transformers eager $shape F16"
    budgeted 180 python3 scripts/hf_eager_decode.py "$dir" --new-tokens 128
  done
  # A quantized GGUF end to end on the device: llama.cpp's Q4_K_M mix (Q4_K + Q6_K blocks kept as stored; the
  # quantized embedding, matvec, tiled prefill GEMM and surgery kernels are in the GPU tests above).
  q4km="/tmp/scalpel-synth-110M-q4_k_m.gguf"
  [[ -f "$q4km" ]] || budgeted 120 "${scalpel[@]}" synth --shape 110M --dtype q4_k_m --format gguf --out "$q4km"
  echo "-- scalpel bench 110M Q4_K_M GGUF (cuda)"
  budgeted 90 "${scalpel[@]}" bench --model "$q4km" --device cuda --tokens 128 --json
  echo "-- scalpel surgery --device cuda (stories260K, SST-2)"
  rm -rf "$out/surgery-cuda"
  budgeted 180 "${scalpel[@]}" surgery --device cuda --model "$bundle/shared/models/stories260K/stories260K.bin" \
    --data "$bundle/shared/data/sst2/dev.tsv" --text-column content --avoid-value 0 --top-k 40 --alpha 1 --no-cache \
    --perplexity-text "$bundle/shared/data/tinystories/tinystories_sample.txt" --out "$out/surgery-cuda"
  echo "-- golden fixtures vs transformers"
  budgeted 120 python3 "$bundle/shared/device/check_golden_with_transformers.py"
} > "$out/e2e.log" 2>&1

echo
echo "== summary: end to end ($(( $(date +%s) - start )) s of $budget)"
grep -E '^\{"model"|^-- |No behavioural|behavioural effect|rel_l2|Error|Exception|^skipped|TIMED OUT' "$out/e2e.log" | cut -c1-300 | head -30
if [[ $tests_status -ne 0 || $bench_status -ne 0 ]]; then exit 1; fi
