#!/usr/bin/env bash
# A real Slurm test of sharded heatmaps (issue 7): a one-node Slurm cluster on this machine runs
# examples/slurm/heatmap.sbatch as a 4-task job array, `eoslab merge` joins the shards, and every
# output file except manifest.json must equal an unsharded run of the same grid byte for byte.
#
#   npm run test:slurm            # = bash scripts/slurm-test.sh
#
# Needs: Debian/Ubuntu, root (it apt-get installs slurm-wlm and munge when missing), a built
# checkout (`npm install` or `npm run build`). Takes ≈ 10 s here (2 cores) once the packages are
# installed, plus ≈ 10 s for the first apt-get install. No manual step: it writes its own munge key
# and slurm.conf into a temporary directory, starts munged, slurmctld and slurmd on free ports,
# submits, waits, compares, and stops everything it started on exit (also on failure or Ctrl-C).
# The system's /etc/slurm and /etc/munge are not used or changed. Exit status 0 means PASS.
#
# Environment: RESOLUTION (64) and MAX_STEPS (5000) set the grid; the shards use TILE_SIZE (300)
# cells per tile, so they hold unequal numbers of tiles and the last tile is partial, while the
# unsharded reference uses the default tile size and all cores; SLURM_TEST_TIMEOUT (600) bounds
# the wait for the array in seconds; SLURM_TEST_KEEP=1 keeps the temporary directory (logs,
# shards, both outputs), which is otherwise removed after a PASS and kept after a FAIL or Ctrl-C.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SBATCH_SCRIPT="$REPO/examples/slurm/heatmap.sbatch"
EOSLAB=(node "$REPO/bin/eoslab.js")
RESOLUTION="${RESOLUTION:-64}"
MAX_STEPS="${MAX_STEPS:-5000}"
TILE_SIZE="${TILE_SIZE:-300}"
SHARDS=4
TIMEOUT="${SLURM_TEST_TIMEOUT:-600}"
KEEP="${SLURM_TEST_KEEP:-0}"
STARTED=$SECONDS

log() { printf '[slurm-test %3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
fail() {
  echo "FAIL: $*"
  exit 1
}

# --- preflight ---------------------------------------------------------------------------------
[[ -f "$REPO/dist/index.js" ]] || fail "eoslab is not built: run npm install (or npm run build) in $REPO"
"${EOSLAB[@]}" heatmap --help | grep -q -- '--shard' || fail "this eoslab has no 'heatmap --shard': rebuild it (npm run build)"
"${EOSLAB[@]}" merge --help >/dev/null 2>&1 || fail "this eoslab has no 'merge' command: rebuild it (npm run build)"

# --- packages ----------------------------------------------------------------------------------
missing=()
for cmd in slurmctld slurmd sbatch sinfo squeue scontrol scancel; do
  command -v "$cmd" >/dev/null || { missing+=(slurm-wlm); break; }
done
for cmd in munged munge unmunge; do
  command -v "$cmd" >/dev/null || { missing+=(munge); break; }
done
if ((${#missing[@]})); then
  [[ $EUID -eq 0 ]] || fail "needs root to install ${missing[*]} (apt-get)"
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian's postinst may try to start the system services; they are not used here.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[[ $EUID -eq 0 ]] || fail "needs root: slurmd runs as SlurmdUser=root to launch the array tasks"
log "$(slurmctld -V), munge $(munged --version 2>&1 | grep -o '[0-9][0-9.]*' | head -1), node $(node --version)"

# --- temporary cluster home and cleanup ----------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/eoslab-slurm-test.XXXXXX")"
chmod 755 "$TMP"
mkdir -p "$TMP"/{munge,state,spool,log,jobs}
chmod 755 "$TMP/munge" # munged wants a socket directory others can reach; the key itself is 0600
# Every process of this test cluster (daemons, slurmstepd, array tasks) carries this variable, so
# cleanup can find exactly those and nothing else.
MARK="EOSLAB_SLURM_TEST_RUN=$TMP"
PIDS=()
JOBID=""
RESULT=1

cleanup() {
  local rc=$? pid p i
  trap - EXIT INT TERM
  set +e
  if [[ -n "$JOBID" ]] && squeue -h -j "$JOBID" 2>/dev/null | grep -q .; then
    log "cancelling job $JOBID"
    scancel "$JOBID" 2>/dev/null
    for ((i = 0; i < 20; i++)); do squeue -h -j "$JOBID" 2>/dev/null | grep -q . || break; sleep 0.5; done
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  # Anything left that belongs to this cluster (a slurmstepd or task outliving its daemon).
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [[ "$pid" == "$$" ]] && continue
    if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "$MARK"; then kill -KILL "$pid" 2>/dev/null; fi
  done
  if [[ $RESULT -eq 0 && "$KEEP" != 1 ]]; then
    rm -rf "$TMP"
  else
    echo "[slurm-test] kept $TMP (logs in $TMP/log, job output in $TMP/jobs)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dump_logs() {
  local f
  for f in "$TMP"/log/*; do
    [[ -s "$f" ]] || continue
    echo "----- $f (last 25 lines)"
    tail -n 25 "$f"
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p=$1
  while port_in_use "$p" || [[ " ${*:2} " == *" $p "* ]]; do p=$((p + 1)); done
  echo "$p"
}

# --- munge ---------------------------------------------------------------------------------------
MUNGE_SOCKET="$TMP/munge/munge.socket"
if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$TMP/munge/munge.key"
else
  dd if=/dev/urandom of="$TMP/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 600 "$TMP/munge/munge.key"
# setsid: a Ctrl-C in the terminal reaches only this script, whose trap then stops jobs and daemons in order.
setsid env "$MARK" munged --foreground --force --key-file="$TMP/munge/munge.key" --socket="$MUNGE_SOCKET" \
  --pid-file="$TMP/munge/munged.pid" --seed-file="$TMP/munge/munged.seed" \
  --log-file="$TMP/log/munged.log" >"$TMP/log/munged.out" 2>&1 &
PIDS+=($!)
for ((i = 0; ; i++)); do
  munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1 && break
  ((i < 40)) || { dump_logs; fail "munged did not come up"; }
  sleep 0.25
done
log "munged up (socket $MUNGE_SOCKET)"

# --- slurm.conf ----------------------------------------------------------------------------------
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 9 / 10 / 1024))
CTLD_PORT="$(free_port 6817)"
SLURMD_PORT="$(free_port $((CTLD_PORT + 1)) "$CTLD_PORT")"
export SLURM_CONF="$TMP/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# One-node test cluster written by scripts/slurm-test.sh
ClusterName=eoslabtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/log/slurmctld.log
SlurmdLogFile=$TMP/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

# --- slurmctld + slurmd --------------------------------------------------------------------------
setsid env "$MARK" slurmctld -D -i >"$TMP/log/slurmctld.out" 2>&1 &
PIDS+=($!)
setsid env "$MARK" slurmd -D -N "$HOST" >"$TMP/log/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for ((i = 0; ; i++)); do
  state="$(sinfo -h -N -n "$HOST" -o '%T' 2>/dev/null || true)"
  [[ "$state" == idle ]] && break
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { dump_logs; fail "a daemon exited during startup (pid $pid)"; }; done
  ((i < 120)) || { dump_logs; fail "node $HOST not idle after 60 s (state: ${state:-none})"; }
  sleep 0.5
done
log "slurmctld :$CTLD_PORT and slurmd :$SLURMD_PORT up; node $HOST ($CPUS CPUs) idle"
sinfo

# --- the array job -------------------------------------------------------------------------------
OUT="$TMP/sharded"
MERGED="$TMP/merged"
REFERENCE="$TMP/unsharded"
GRID=(--preset fig3 --resolution "$RESOLUTION" --max-steps "$MAX_STEPS")
JOBID="$(
  env "$MARK" EOSLAB_BIN="${EOSLAB[*]}" OUT="$OUT" RESOLUTION="$RESOLUTION" MAX_STEPS="$MAX_STEPS" WORKERS=1 \
    EOSLAB_ARGS="--tile-size $TILE_SIZE" \
    sbatch --parsable --array=1-$SHARDS --cpus-per-task=1 --chdir="$TMP" --output="$TMP/jobs/heatmap-%A_%a.out" \
    "$SBATCH_SCRIPT"
)"
JOBID="${JOBID%%;*}"
log "submitted $SBATCH_SCRIPT as array job $JOBID (--array=1-$SHARDS, 1 CPU and 1 worker per task, --tile-size $TILE_SIZE)"
for ((i = 0; ; i++)); do
  squeue -h -j "$JOBID" 2>/dev/null | grep -q . || break
  ((i < TIMEOUT * 2)) || { squeue; dump_logs; fail "array job $JOBID not finished after $TIMEOUT s"; }
  sleep 0.5
done
ok=0
while read -r line; do
  task="$(grep -o 'ArrayTaskId=[^ ]*' <<<"$line")"
  jstate="$(grep -o 'JobState=[^ ]*' <<<"$line")"
  code="$(grep -o ' ExitCode=[^ ]*' <<<"$line")"
  log "  job ${JOBID}_${task#*=}: ${jstate#*=}, exit code ${code#*=}"
  [[ "$jstate" == JobState=COMPLETED && "$code" == " ExitCode=0:0" ]] && ok=$((ok + 1))
done < <(scontrol -o show job "$JOBID")
for f in "$TMP"/jobs/heatmap-*.out; do
  echo "----- ${f##*/}"
  cat "$f"
done
((ok == SHARDS)) || { dump_logs; fail "$ok of $SHARDS array tasks completed successfully"; }
shopt -s nullglob
shards=("$OUT"/shard-*-of-"$SHARDS")
shopt -u nullglob
((${#shards[@]} == SHARDS)) || fail "expected $SHARDS shard directories in $OUT, found ${#shards[@]}"
log "array job $JOBID done: ${#shards[@]} shards in $OUT"

# --- merge, unsharded reference, comparison ------------------------------------------------------
echo "+ eoslab merge $OUT/shard-* --out $MERGED"
"${EOSLAB[@]}" merge "${shards[@]}" --out "$MERGED" || fail "eoslab merge failed"
echo "+ eoslab heatmap ${GRID[*]} --workers $CPUS --out $REFERENCE"
"${EOSLAB[@]}" heatmap "${GRID[@]}" --workers "$CPUS" --out "$REFERENCE" || fail "the unsharded run failed"

mapfile -t ref_files < <(cd "$REFERENCE" && find . -type f ! -name manifest.json | sed 's|^\./||' | sort)
mapfile -t merged_files < <(cd "$MERGED" && find . -type f ! -name manifest.json | sed 's|^\./||' | sort)
[[ -f "$MERGED/manifest.json" ]] || fail "merge wrote no manifest.json"
((${#ref_files[@]} > 0)) || fail "the unsharded run wrote no files"
bad=0
npy=0
for f in "${ref_files[@]}"; do
  if [[ ! -f "$MERGED/$f" ]]; then
    echo "  MISSING  $f"
    bad=$((bad + 1))
  elif cmp -s "$REFERENCE/$f" "$MERGED/$f"; then
    printf '  same     %-24s %9d bytes\n' "$f" "$(stat -c %s "$MERGED/$f")"
    [[ "$f" == *.npy ]] && npy=$((npy + 1))
  else
    echo "  DIFFERS  $f: $(cmp "$REFERENCE/$f" "$MERGED/$f" 2>&1 | head -1)"
    bad=$((bad + 1))
  fi
done
for f in "${merged_files[@]}"; do
  [[ -f "$REFERENCE/$f" ]] || { echo "  EXTRA    $f (only in the merged output)"; bad=$((bad + 1)); }
done
((npy > 0)) || bad=$((bad + 1))
if ((bad > 0)); then
  fail "merged Slurm shards differ from the unsharded run in $bad file(s) (${RESOLUTION}×${RESOLUTION} fig3, $MAX_STEPS steps)"
fi
RESULT=0
log "done in $((SECONDS - STARTED)) s"
echo "PASS: $SHARDS Slurm array tasks + eoslab merge == unsharded run, ${#ref_files[@]} files bit-identical ($npy .npy + figures; ${RESOLUTION}×${RESOLUTION} fig3, max $MAX_STEPS steps)"
