#!/usr/bin/env bash
# The system pieces `npm test` drives, from Debian's packages: Chromium (webview tests),
# Optuna (bench:search and the exported study script are checked against it), scikit-learn (the evaluation metrics are checked against it: test/core/evaluate.sklearn.test.ts),
# ONNX's checker (exports) and PyTorch (the reference in bench:predict and the PyTorch package tests)
# and lavapipe, Mesa's software Vulkan (the WebGPU tests). Idempotent; needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
apt_install() {
  local SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
[ -x /usr/bin/chromium ] || apt_install chromium
/usr/bin/python3 -c 'import sklearn, onnx, torch, optuna' 2>/dev/null || apt_install python3-sklearn python3-onnx python3-torch python3-optuna
bash scripts/install-lavapipe.sh
