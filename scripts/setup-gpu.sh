#!/usr/bin/env bash
# Makes sure this machine has a WebGPU adapter for Dawn (npm `webgpu`).
# Idempotent: if an adapter is already found it does nothing. Without a GPU it installs Mesa's
# software drivers: lavapipe (Vulkan) from bookworm-backports — Debian 12's own Mesa 22 is
# rejected by Dawn — plus llvmpipe EGL/GLES as the OpenGL-compatibility fallback.
# Installing needs root (apt-get); as another user it prints the command to run instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/archc-xdg}"
mkdir -p "$XDG_RUNTIME_DIR"

probe() {
  [ -d "$here/node_modules/webgpu" ] || return 1
  node "$here/scripts/probe-adapter.mjs" "$@" >/dev/null 2>&1
}

# Vulkan (a real GPU, or lavapipe) is what we want; OpenGL-compatibility llvmpipe is a fallback.
if probe vulkan; then
  echo "setup-gpu: a Vulkan WebGPU adapter is available; nothing to install."
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  if probe; then
    echo "setup-gpu: using the OpenGL-compatibility adapter (run as root to install Vulkan lavapipe)."
    exit 0
  fi
  echo "setup-gpu: no WebGPU adapter found, and installing Mesa's software drivers needs root." >&2
  echo "  Run: sudo bash scripts/setup-gpu.sh" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null; then
  echo "setup-gpu: no WebGPU adapter, and this is not a Debian-based system (no apt-get)." >&2
  echo "  Install Mesa >= 24 with lavapipe (mesa-vulkan-drivers) and libvulkan1, then retry." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
src=/etc/apt/sources.list.d/debian.sources
bp=/etc/apt/sources.list.d/archc-backports.sources
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
if [ ! -f "$bp" ]; then
  if [ -f "$src" ]; then
    # Copy the machine's own first stanza (its mirror and keyring), with the backports suite.
    awk -v suite="$codename-backports" 'BEGIN{RS="";ORS="\n\n"} NR==1{ gsub(/Suites:[^\n]*/, "Suites: " suite); print; exit }' "$src" >"$bp"
  else
    echo "deb http://deb.debian.org/debian $codename-backports main" >/etc/apt/sources.list.d/archc-backports.list
  fi
fi
apt-get update -qq
apt-get install -y -qq -t "$codename-backports" mesa-vulkan-drivers libvulkan1 >/dev/null ||
  apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
apt-get install -y -qq libegl1 libegl-mesa0 libgles2 >/dev/null || true

if probe; then
  echo "setup-gpu: installed Mesa software drivers; WebGPU adapter: $(node "$here/scripts/probe-adapter.mjs")"
else
  echo "setup-gpu: drivers installed but Dawn still finds no adapter; run 'node scripts/probe-adapter.mjs' for details." >&2
  exit 1
fi
