#!/usr/bin/env bash
# Installs what vcsim needs on a Debian/Ubuntu machine and checks the Rust
# toolchain:
#   - apt: the HDF5 C library (serial), pkg-config, python3-venv;
#   - a project virtual environment .venv at the repository root holding the
#     analysis package (scripts/, editable) with its figure and test extras;
#     the system Python is left alone;
#   - Rust: cargo and rustc >= 1.89 must be on the PATH. This script does not
#     install Rust (no download from here); it says what to install.
# Options: --browser also apt-installs chromium, for the test that opens the
# HTML report in a headless browser (CI passes it).
# Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUST_MIN=1.89
browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $arg (known: --browser)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

updated=0
apt_install() {
  echo "setup: installing $*"
  if [ "$updated" = 0 ]; then $SUDO apt-get update -qq; updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

need=()
for pkg in libhdf5-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "$browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi

# The project's Python environment. Recreated if it is broken (e.g. the
# Python it was made from has gone). Debian's python3 makes one only with
# python3-venv installed (another Python, from pyenv or conda, has venv and
# ensurepip built in).
venv=.venv
if ! "$venv/bin/python" -c "" >/dev/null 2>&1; then
  echo "setup: creating the Python environment $venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
fi
if ! "$venv/bin/python" - <<'PY' >/dev/null 2>&1
import importlib.util, pathlib, sys
import h5py, numpy, pandas, xarray, h5netcdf, matplotlib, pytest, nbclient, nbformat, ipykernel
import vcsim_analysis
# An editable install of this checkout, not of another worktree.
assert pathlib.Path(vcsim_analysis.__file__).resolve().parent == pathlib.Path("scripts/vcsim_analysis").resolve()
PY
then
  echo "setup: installing the analysis package and its dependencies into $venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -e './scripts[plot,test]'
fi

# Rust: present and recent enough (workspace rust-version).
rust_help="install Rust $RUST_MIN or newer with rustup (https://rustup.rs:
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
then open a new shell or run '. \$HOME/.cargo/env'), and run this script again"
if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
  echo "setup: cargo/rustc not found; $rust_help" >&2
  exit 1
fi
have=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$RUST_MIN" "${have%%-*}" | sort -V | head -n1)" != "$RUST_MIN" ]; then
  echo "setup: rustc $have is older than $RUST_MIN (needed by this workspace); $rust_help" >&2
  echo "setup: (with rustup already installed: rustup update stable)" >&2
  exit 1
fi
echo "setup: ready (rustc $have; Python environment $venv: activate with '. $venv/bin/activate')"
