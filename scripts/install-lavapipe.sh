#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) from Debian bookworm-backports, so Dawn (the
# `webgpu` npm package) finds an adapter on machines with no GPU: the webgpu tests run on it.
# Mesa 22 from plain bookworm is rejected by Dawn; Mesa 25 from backports works.
# Idempotent: adds the suite to the existing Debian source once; installs only what is missing.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive

have_lavapipe() {
  ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && ldconfig -p | grep 'libvulkan\.so\.1' >/dev/null
}
if have_lavapipe; then
  echo "lavapipe: already installed"
  exit 0
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
  echo "lavapipe: this script knows Debian bookworm only (found ${PRETTY_NAME:-unknown})" >&2
  exit 1
fi

SRC=/etc/apt/sources.list.d/debian.sources
if [ -f "$SRC" ]; then
  # deb822 source: add bookworm-backports next to bookworm on the stanza that lists it.
  if ! grep -q 'bookworm-backports' "$SRC"; then
    # Appends to the first Suites line holding the bare word bookworm (not bookworm-updates).
    $SUDO sed -i -E '0,/^Suites:(.*[[:space:]])?bookworm([[:space:]]|$)/{/^Suites:(.*[[:space:]])?bookworm([[:space:]]|$)/s/[[:space:]]*$/ bookworm-backports/}' "$SRC"
  fi
elif ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
fi

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
have_lavapipe && echo "lavapipe: installed ($(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
