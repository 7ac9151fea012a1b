#!/usr/bin/env bash
# Installs what vcsim needs on a Debian/Ubuntu machine: the HDF5 C library
# (serial), pkg-config, and the Python packages used by the analysis package
# and its tests. Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
for pkg in libhdf5-dev pkg-config python3-pip; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# pip may come from another Python (pyenv, conda); then Debian's is not needed.
if python3 -m pip --version >/dev/null 2>&1; then
  kept=()
  for pkg in "${need[@]}"; do [ "$pkg" = python3-pip ] || kept+=("$pkg"); done
  need=("${kept[@]}")
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust (https://rustup.rs) and run this again" >&2
  exit 1
fi

if ! python3 -c "import h5py, numpy, pytest, matplotlib, xarray, h5netcdf" >/dev/null 2>&1; then
  echo "setup: installing Python packages (h5py, numpy, pytest, matplotlib, xarray, h5netcdf)"
  python3 -m pip install -q -r scripts/requirements.txt \
    || python3 -m pip install -q --break-system-packages -r scripts/requirements.txt
fi
if ! python3 -c "import vcsim_analysis" >/dev/null 2>&1; then
  python3 -m pip install -q -e scripts \
    || python3 -m pip install -q --break-system-packages -e scripts
fi
echo "setup: ready"
