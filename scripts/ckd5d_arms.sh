#!/usr/bin/env bash
# Three simulated years of the ckd5d preset in four arms, and their figure:
#   dialysis            the preset: haemodialysis 3 × 4 h a week
#   no_dialysis         the same patient, dialysis withheld from day 0
#   sevelamer           dialysis + sevelamer 4.8 g/day
#   calcium_carbonate   dialysis + calcium carbonate 3 g/day (a Ca load)
#
# Usage: scripts/ckd5d_arms.sh [OUT_DIR] (default docs/ckd5d_arms).
# DAYS=n shortens the runs (default 1095). Run files go to OUT_DIR/runs
# (not committed); the figure and summary to OUT_DIR. About 90 s per arm on
# 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's Python environment (scripts/setup-debian.sh) when there is one.
py=python3; [ -x .venv/bin/python3 ] && py=.venv/bin/python3
out=${1:-docs/ckd5d_arms}
days=${DAYS:-1095}
mkdir -p "$out/runs"
cargo build --release -q -p vcsim-cli
vcsim=target/release/vcsim
arm() {
    local name=$1
    shift
    "$vcsim" run configs/ckd5d.toml -o "$out/runs/$name.h5" --force --progress none \
        --set simulation.duration_days="$days" --set simulation.frame_every_h=2190 "$@"
}
arm dialysis
arm no_dialysis --set dialysis.stop_day=0
arm sevelamer --set 'treatments=[{drug="sevelamer", dose=4.8}]'
arm calcium_carbonate --set 'treatments=[{drug="calcium_carbonate", dose=3.0}]'
"$py" scripts/ckd5d_arms.py "$out/runs" -o "$out"
