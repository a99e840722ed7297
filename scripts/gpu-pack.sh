#!/usr/bin/env bash
# Packs what a GPU benchmark needs on a machine with no network and no node (see
# ../shared/design/GPU.md): node, the bundled trainer with dawn.node and MNIST, the webgpu step
# probe, and Debian's Vulkan loader .debs. Output: .gpu/ (git-ignored, ≈45 MB). On the GPU
# machine, from a copy of this repository with .gpu/ beside it: `bash scripts/gpu-bench.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
node esbuild.mjs >/dev/null
rm -rf .gpu && mkdir -p .gpu/stage/bin .gpu/stage/dist/data .gpu/gl
cp "$(command -v node)" .gpu/stage/bin/node
cp dist/trainer.js dist/*.wasm dist/tfjs-backend-wasm-threaded-simd.js .gpu/stage/dist/
cp dist/data/mnist.bin .gpu/stage/dist/data/
cp node_modules/webgpu/dist/linux-x64/dawn.node .gpu/stage/dist/
npx esbuild bench/webgpu-step.ts --bundle --platform=node --outfile=.gpu/stage/webgpu-step.cjs --log-level=error
cp .gpu/stage/dist/dawn.node .gpu/stage/dawn.node # the probe looks next to itself
tar -C .gpu/stage -cf - . | xz -T2 -6 > .gpu/pack.tar.xz
rm -rf .gpu/stage
# The Vulkan loader and GL dispatch libraries, for machines whose image has none.
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64-lists'
mkdir -p /tmp/amd64-lists/partial
apt-get $o update -qq >/dev/null 2>&1 || true
(cd .gpu/gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1) || echo "warning: Vulkan loader .debs not downloaded"
du -sh .gpu .gpu/*
