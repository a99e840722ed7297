#!/usr/bin/env bash
# The system pieces `npm test` drives, from Debian's packages: Chromium (webview tests) and
# lavapipe, Mesa's software Vulkan (the WebGPU tests). Idempotent; needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
bash scripts/install-lavapipe.sh
