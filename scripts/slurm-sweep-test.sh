#!/usr/bin/env bash
# Integration test of `vcsim sweep` against a real single-node SLURM:
# starts the local cluster (scripts/slurm-local.sh), plans the 4-run sweep
# configs/sweeps/smoke.toml, writes its array script with `vcsim sweep slurm`,
# submits it with sbatch and waits, checks `vcsim sweep status`, pools the
# runs with `vcsim sweep collect`, reads the pooled file back in Python, and
# stops the daemons it started (also on failure).
#
# Usage: scripts/slurm-sweep-test.sh [VCSIM_BINARY]   (default target/debug/vcsim)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
vcsim=${1:-$root/target/debug/vcsim}
[ -x "$vcsim" ] || cargo build -q -p vcsim-cli
vcsim=$(readlink -f "$vcsim")
say() { echo "slurm-sweep-test: $*"; }

scripts/slurm-local.sh install
scripts/slurm-local.sh start
work=$(mktemp -d /tmp/vcsim-slurm-sweep.XXXXXX)
chmod 755 "$work"
ok=0
finish() {
    if [ $ok -eq 0 ]; then
        say "FAILED; sweep directory kept in $work"
        ls -l "$work/sw/logs" 2>/dev/null || true
        for f in "$work"/sw/logs/*; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
    else
        rm -rf "$work"
    fi
    scripts/slurm-local.sh stop || true
}
trap finish EXIT

sw="$work/sw"
"$vcsim" sweep plan configs/sweeps/smoke.toml -o "$sw"
"$vcsim" sweep slurm "$sw" --cpus-per-task 1 --max-parallel 2 --time 00:20:00 --mem 1G
grep -q -- '--array=0-3%2' "$sw/sweep.sbatch"
say "submitting $sw/sweep.sbatch"
# --wait: sbatch returns when every array task has ended, with their exit code.
timeout 600 sbatch --wait "$sw/sweep.sbatch"
"$vcsim" sweep status "$sw"
"$vcsim" sweep status "$sw" --json > "$work/status.json"
python3 - "$work/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["done"] == [0, 1, 2, 3], s
PY
for i in 0 1 2 3; do
    log=$(ls "$sw"/logs/slurm-*_"$i".out)
    grep -q "wrote" "$log" || { say "task $i log has no 'wrote' line"; exit 1; }
done
"$vcsim" sweep collect "$sw"
PYTHONPATH="$root/scripts" python3 - "$sw" <<'PY'
import sys
from vcsim_analysis import open_sweep
df = open_sweep(sys.argv[1])
assert len(df) == 4, df
assert list(df["status"]) == ["done"] * 4, df["status"]
assert list(df["arm"]) == ["control", "sevelamer", "control", "sevelamer"]
assert df["final_calcified_fraction"].notna().all()
assert df["mean_serum_pi_mM"].notna().all(), "serum pooled"
assert df.attrs["missing"] == ""
print("pooled file OK:", df[["arm", "patient.kidney.egfr_mL_min", "mean_serum_pi_mM", "final_calcified_fraction"]].to_string())
PY
ok=1
say "PASS: 4 array tasks ran under SLURM and were pooled"
