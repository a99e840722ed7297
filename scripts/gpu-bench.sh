#!/usr/bin/env bash
# The GPU benchmark, run once on a GPU machine from the pack made by scripts/gpu-pack.sh:
# the webgpu step probe (fused vs tfjs updates, readbacks, submit batch, tf.profile; PROBE=final:
# the trainer's configuration only, with and without the dispatch cache), optionally the same
# under node --cpu-prof at batch 64 (CPU_PROF=1), then bench/train.mjs on webgpu with PyTorch CUDA
# as the peer (TRAINER_PROF=1: the CNN's batch-64 run under --cpu-prof), and (CPU_BENCH=1) the wasm rows on the machine's many cores. Everything lands in
# $OUT (default /tmp/gpu-bench).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-bench}
mkdir -p "$OUT" /tmp/gpu
tar -xJf .gpu/pack.tar.xz -C /tmp/gpu
export PATH=/tmp/gpu/bin:$PATH
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in .gpu/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}
if ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* >/dev/null 2>&1 && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
rm -rf dist && cp -r /tmp/gpu/dist dist
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; node --version; nproc; python3 -c 'import torch; print(torch.__version__, torch.cuda.is_available())'; } > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
if [ "${PROBE:-}" = final ]; then
  for cache in 0 1; do
    echo "== probe, trainer configuration, dispatch cache $cache"
    MODELYAML_WEBGPU_DISPATCH_CACHE=$cache timeout 120 node /tmp/gpu/webgpu-step.cjs --final --batches 64,256,1024 --steps 40 2>>"$OUT/probe.err" | tee "$OUT/webgpu-step-cache$cache.jsonl" | cut -c1-400
  done
  if [ "${STEP_SUBMIT:-}" = 1 ]; then
    echo "== probe, dispatch cache 1, a submit after every step"
    MODELYAML_WEBGPU_STEP_SUBMIT=1 timeout 120 node /tmp/gpu/webgpu-step.cjs --final --batches 64,256,1024 --steps 40 2>>"$OUT/probe.err" | tee "$OUT/webgpu-step-submit.jsonl" | cut -c1-400
  fi
else
  echo "== probe"
  timeout 240 node /tmp/gpu/webgpu-step.cjs ${PROBE_ARGS:---batches 64,256,1024 --steps 30} 2>"$OUT/probe.err" | tee "$OUT/webgpu-step.jsonl" | cut -c1-600
fi
tail -3 "$OUT/probe.err"
if [ "${CPU_PROF:-}" = 1 ]; then
  echo "== probe under --cpu-prof, batch 64"
  mkdir -p "$OUT/prof"
  timeout 120 node --cpu-prof --cpu-prof-dir="$OUT/prof" /tmp/gpu/webgpu-step.cjs ${PROF_ARGS:---batches 64 --steps 40} >/dev/null 2>&1
fi
echo "== trainer bench (webgpu) and PyTorch CUDA"
if [ "${TRAINER_PROF:-}" = 1 ]; then mkdir -p "$OUT/trainer-prof"; export MODELYAML_BENCH_PROF_DIR="$OUT/trainer-prof"; fi
timeout 300 node bench/train.mjs --backends=webgpu --pytorch=cuda ${TRAIN_ARGS:-} 2>&1 | tee "$OUT/train.txt"
cp bench/results/train.json "$OUT/" 2>/dev/null
if [ "${STEP_SUBMIT:-}" = 1 ]; then
  echo "== trainer bench (webgpu CNN), a submit after every step"
  MODELYAML_WEBGPU_STEP_SUBMIT=1 timeout 200 node bench/train.mjs --backends=webgpu --models=cnn --pytorch=none 2>&1 | tee "$OUT/train-submit.txt"
fi
if [ "${CPU_BENCH:-}" = 1 ]; then
  echo "== trainer bench (wasm: one thread, data-parallel, threaded build) on $(nproc) cores"
  timeout 200 node bench/train.mjs --quick --backends=wasm --models=cnn --pytorch=none 2>&1 | tee "$OUT/train-wasm.txt"
  cp bench/results/train.json "$OUT/train-wasm.json" 2>/dev/null
fi
ls -la "$OUT"
