#!/usr/bin/env bash
# Regenerates every committed result that depends on the model, after a
# change of the model: the default run's report, the four ckd5d arms, the
# cohort and grid sweep examples, the full validation suite and the
# plausibility table. Release build; about 20–30 minutes on 2 cores.
#
# Usage: scripts/regenerate_docs.sh [PART...]   (parts: report arms cohort grid validation plausibility; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
py=python3; [ -x .venv/bin/python3 ] && py=.venv/bin/python3
cargo build --release -q -p vcsim-cli
vcsim=target/release/vcsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
parts=("$@"); [ ${#parts[@]} -eq 0 ] && parts=(report arms cohort grid validation plausibility)
for part in "${parts[@]}"; do
  echo "regenerate: $part" >&2
  case "$part" in
    report)
      "$vcsim" run configs/ckd5d.toml -o "$work/ckd5d.h5" --progress none
      "$py" -m vcsim_analysis report "$work/ckd5d.h5" -o docs/report_ckd5d ;;
    arms) scripts/ckd5d_arms.sh ;;
    cohort)
      "$vcsim" sweep plan configs/sweeps/cohort_small.toml -o "$work/cohort"
      "$vcsim" sweep run "$work/cohort" --all --jobs 2 --progress none
      "$vcsim" sweep collect "$work/cohort"
      "$py" -m vcsim_analysis sweep "$work/cohort" -o docs/cohort_example ;;
    grid)
      "$vcsim" sweep plan docs/grid_example/sweep.toml -o "$work/grid"
      "$vcsim" sweep run "$work/grid" --all --jobs 2 --progress none
      "$vcsim" sweep collect "$work/grid"
      "$py" -m vcsim_analysis sweep "$work/grid" -o docs/grid_example ;;
    validation) scripts/validate.sh ;;
    plausibility)
      cargo run --release -q -p vcsim-rules --example plausibility > "$work/plausibility.txt"
      echo "plausibility table in $work/plausibility.txt; docs/plausibility.md embeds it by hand" >&2
      cat "$work/plausibility.txt" ;;
    *) echo "unknown part '$part'" >&2; exit 2 ;;
  esac
done
