#!/usr/bin/env bash
# Smoke test of a running SLURM (e.g. after `scripts/slurm-local.sh start`):
# submits a 4-task job array throttled to 2 at a time (--array=0-3%2) with
# one CPU per task and a per-task log path (task-%a.log), waits for it, and
# checks that every task ran once with the right SLURM_ARRAY_TASK_ID and
# SLURM_CPUS_PER_TASK, wrote its log where asked, and that no more than two
# tasks ever overlapped. Exits 0 if all holds, 1 otherwise.
set -euo pipefail

TIMEOUT="${VCSIM_SLURM_SMOKE_TIMEOUT:-120}"
NTASKS=4
THROTTLE=2

say() { echo "slurm-smoke: $*"; }

for prog in sbatch squeue sinfo scontrol; do
  command -v "$prog" >/dev/null 2>&1 || { say "FAIL: $prog not found (run scripts/slurm-local.sh install)"; exit 1; }
done
if ! sinfo -h >/dev/null 2>&1; then
  say "FAIL: slurmctld does not answer (run scripts/slurm-local.sh start)"
  exit 1
fi

dir=$(mktemp -d /tmp/vcsim-slurm-smoke.XXXXXX)
chmod 755 "$dir"
jobid=""
ok=0
cleanup() {
  if [ -n "$jobid" ] && [ $ok -eq 0 ]; then scancel "$jobid" 2>/dev/null || true; fi
  if [ $ok -eq 1 ]; then rm -rf "$dir"; else say "kept $dir for inspection"; fi
}
trap cleanup EXIT

cat >"$dir/task.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
out="$1/out-$SLURM_ARRAY_TASK_ID.txt"
start=$(date +%s.%N)
echo "task=$SLURM_ARRAY_TASK_ID cpus=${SLURM_CPUS_PER_TASK:-unset} job=$SLURM_ARRAY_JOB_ID"
sleep 2
echo "$SLURM_ARRAY_TASK_ID ${SLURM_CPUS_PER_TASK:-unset} $start $(date +%s.%N)" >"$out"
EOF
chmod 755 "$dir/task.sh"

jobid=$(sbatch --parsable --job-name=vcsim-smoke --array="0-$((NTASKS - 1))%$THROTTLE" \
  --cpus-per-task=1 --ntasks=1 --time=5 --chdir="$dir" \
  --output="$dir/task-%a.log" "$dir/task.sh" "$dir")
jobid=${jobid%%;*}
say "submitted array job $jobid (--array=0-$((NTASKS - 1))%$THROTTLE) in $dir"

deadline=$((SECONDS + TIMEOUT))
seen_throttle=0
while :; do
  # An empty answer (or an error once the job is purged) means nothing is
  # pending or running any more.
  queue=$(squeue -h -j "$jobid" -o '%i %T %r' 2>/dev/null || true)
  [ -n "$queue" ] || break
  if grep -q JobArrayTaskLimit <<<"$queue"; then seen_throttle=1; fi
  if [ $SECONDS -ge $deadline ]; then
    say "FAIL: job $jobid not finished after ${TIMEOUT}s:"
    echo "$queue"
    exit 1
  fi
  sleep 1
done
say "job $jobid left the queue"

fail=0
for ((i = 0; i < NTASKS; i++)); do
  out="$dir/out-$i.txt"
  log="$dir/task-$i.log"
  if [ ! -s "$out" ]; then
    say "task $i: no output file $out"
    fail=1
    continue
  fi
  read -r id cpus _ _ <"$out"
  if [ "$id" != "$i" ] || [ "$cpus" != 1 ]; then
    say "task $i: wrote SLURM_ARRAY_TASK_ID=$id SLURM_CPUS_PER_TASK=$cpus, expected $i and 1"
    fail=1
  fi
  if ! grep -qx "task=$i cpus=1 job=$jobid" "$log" 2>/dev/null; then
    say "task $i: log $log missing or wrong:"
    cat "$log" 2>/dev/null || true
    fail=1
  fi
done
extra=$(find "$dir" -name 'out-*.txt' | wc -l)
if [ "$extra" -ne $NTASKS ]; then
  say "expected $NTASKS output files, found $extra"
  fail=1
fi

# Most tasks running at once, from their start and end times.
if [ $fail -eq 0 ]; then
  overlap=$(cat "$dir"/out-*.txt | awk '
    { s[NR] = $3; e[NR] = $4 }
    END {
      max = 0
      for (i = 1; i <= NR; i++) {
        n = 0
        for (j = 1; j <= NR; j++) if (s[j] <= s[i] && s[i] < e[j]) n++
        if (n > max) max = n
      }
      print max
    }')
  say "at most $overlap task(s) ran at once (throttle $THROTTLE)$([ $seen_throttle -eq 1 ] && echo '; squeue showed JobArrayTaskLimit')"
  if [ "$overlap" -gt $THROTTLE ]; then
    say "throttle %$THROTTLE not honoured"
    fail=1
  fi
fi

states=$(scontrol -o show job "$jobid" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr -s ' ' | tr '\n' ';' || true)
[ -n "$states" ] && say "task states:${states%;}"

if [ $fail -ne 0 ]; then
  say "FAIL"
  exit 1
fi
ok=1
say "PASS: $NTASKS array tasks ran with the right ids, cpus-per-task and log paths"
