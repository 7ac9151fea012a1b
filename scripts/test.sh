#!/usr/bin/env bash
# The whole test suite: Rust unit, integration, doc and benchmark-smoke tests,
# then the Python tests that read run files back.
set -euo pipefail
cd "$(dirname "$0")/.."
# Link the serial HDF5 even if the MPI variant was installed since.
if [ -d /usr/lib/x86_64-linux-gnu/hdf5/serial ]; then
  export HDF5_DIR="${HDF5_DIR:-/usr/lib/x86_64-linux-gnu/hdf5/serial}"
fi
# The xarray check of the HDF5 crate must run, not skip, when the suite runs here.
export VCSIM_REQUIRE_XARRAY=1
# python3 here and in the Rust xarray test: the project's environment (scripts/setup-debian.sh).
[ -x .venv/bin/python3 ] || { echo "test.sh: no .venv; run scripts/setup-debian.sh first" >&2; exit 1; }
export PATH="$PWD/.venv/bin:$PATH"
cargo test --workspace --all-targets
cargo test --workspace --doc
cargo build -p vcsim-cli
# Includes the quick adversarial soak (scripts/tests/test_soak.py); the full one is scripts/soak.py.
python3 -m pytest -q scripts/tests
