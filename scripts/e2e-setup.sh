#!/usr/bin/env bash
# Installs what the code-server end-to-end suite needs (see ../shared/design/E2E.md):
# Debian packages (kerberos headers, ripgrep, chromium), a seeded @vscode/ripgrep cache so
# nothing is downloaded, and code-server@4.100.3 in a cache folder OUTSIDE the repository.
# Idempotent: every step is skipped when its result is already there.
#
#   MODELYAML_E2E_CACHE   cache folder (default: $HOME/.cache/modelyaml-e2e)
#   CODE_SERVER_VERSION   default 4.100.3 (the newest that runs on Node 20)
set -euo pipefail

CACHE="${MODELYAML_E2E_CACHE:-$HOME/.cache/modelyaml-e2e}"
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
PREFIX="$CACHE/code-server"
BIN="$PREFIX/node_modules/.bin/code-server"

log() { printf '[e2e-setup] %s\n' "$*"; }

# 1. System packages.
need=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || need+=(build-essential)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  log "system packages present"
fi

# 2. Seed @vscode/ripgrep's download cache with Debian's rg.
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TAR" ]; then
  log "seeding ripgrep cache $RG_TAR"
  mkdir -p "$RG_CACHE"
  tmp="$(mktemp -d)"
  cp "$(command -v rg)" "$tmp/rg"
  tar czf "$RG_TAR" -C "$tmp" rg
  rm -rf "$tmp"
fi

# 3. code-server in the cache folder.
installed=""
if [ -f "$PREFIX/node_modules/code-server/package.json" ]; then
  installed="$(node -p "require('$PREFIX/node_modules/code-server/package.json').version")"
fi
if [ "$installed" = "$VERSION" ] && [ -x "$BIN" ] && "$BIN" --config /dev/null --version >/dev/null 2>&1; then
  log "code-server $VERSION already in $PREFIX"
else
  log "installing code-server@$VERSION into $PREFIX (about five minutes)"
  mkdir -p "$PREFIX"
  # npm 11 asks projects to approve dependencies' install scripts; code-server's postinstall
  # builds VS Code's native modules and argon2 is prebuilt-or-built at install.
  [ -f "$PREFIX/package.json" ] ||
    printf '{\n  "private": true,\n  "allowScripts": { "code-server": true, "argon2": true }\n}\n' >"$PREFIX/package.json"
  npm_config_yes=true npm_config_unsafe_perm=true \
    npm install --no-audit --no-fund --prefix "$PREFIX" "code-server@$VERSION"
  "$BIN" --config /dev/null --version
fi
log "ready: $BIN"
