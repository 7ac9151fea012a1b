#!/usr/bin/env bash
# The validation suite: runs every experiment of configs/experiments/ (release
# build), checks every claim, and writes docs/validation/ (report.json,
# summary.md, curves.json and one figure per experiment).
# Pass --quick for the reduced suite (directions only), and -o DIR to write elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's Python environment (scripts/setup-debian.sh) when there is one.
py=python3; [ -x .venv/bin/python3 ] && py=.venv/bin/python3
out=docs/validation
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--output) out="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
cargo run --release -q -p vcsim-cli -- validate -o "$out" ${args[@]+"${args[@]}"}
"$py" -m vcsim_analysis validation-figures "$out" >/dev/null
echo "validation: report in $out/summary.md"
