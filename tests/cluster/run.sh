#!/bin/bash
# tests/cluster/run.sh - the README's Slurm recipe on a real Slurm cluster.
#
# Starts a one-node Slurm cluster on localhost (munged, slurmctld and
# slurmd from Debian's munge and slurm-wlm, installed if missing), with its
# own configuration, key, ports, state, spool, PID and log files in one
# temporary directory; submits the job array of README.md's "On a Slurm
# cluster" section, taken from the README itself (between its
# cluster-recipe marker comments) so that the tested recipe is the
# published one; waits for the array; merges the shards; and checks that
# the merged database equals an unsharded sweep of the same study:
# `usnsim compare --exact`, the rows of every table, the key of every run.
# Then, as after a failed task (one shard lost, nothing merged), it runs the
# same lines again: only that task's runs run again, and the merge is whole.
# Every daemon it started is stopped and its files removed at the end, on
# failure too. A Slurm or munge already running on the machine is not
# touched: everything reaches this cluster through SLURM_CONF and its own
# munge socket.
#
#   tests/cluster/run.sh            (make test-cluster; needs root)
#
# Environment: USNSIM_BIN (default build/usnsim), CLUSTER_STUDY (default
# scenarios/studies/md1_load.yaml; a study without `like:` of other files),
# CLUSTER_TIMEOUT (seconds for the array, default 240), CLUSTER_KEEP=1
# keeps the temporary directory for inspection.
set -euo pipefail

cd "$(dirname "$0")/../.."
USNSIM=${USNSIM_BIN:-build/usnsim}
STUDY=${CLUSTER_STUDY:-scenarios/studies/md1_load.yaml}
TIMEOUT=${CLUSTER_TIMEOUT:-240}
NODE=usnsim0
BEGIN_MARK='<!-- cluster-recipe'
END_MARK='<!-- /cluster-recipe -->'

D=""
PIDS=()
STATUS=1

say() { printf 'test-cluster: %s\n' "$*"; }

# Prints the end of every log and job output, for a failure.
show_logs() {
	local f jobs=0
	[ -n "$D" ] || return 0
	for f in "$D"/log/* "$D"/work/slurm-*.out; do
		[ -s "$f" ] || continue
		case $f in */slurm-*.out) jobs=$((jobs + 1)) && [ "$jobs" -gt 3 ] && continue ;; esac
		# a daemon's stderr repeats its log, unless it died before opening it
		case $f in *.stderr) [ -s "${f%.stderr}.log" ] && continue ;; esac
		printf '\n--- last lines of %s ---\n' "${f#"$D"/}"
		tail -n 25 "$f"
	done
}

# The failure's message; the EXIT trap prints the logs and cleans up.
fail() {
	say "FAIL: $*" >&2
	exit 1
}

# Stops the jobs of this cluster, then its daemons (slurmd, slurmctld,
# munged: the reverse of their start), then removes its files.
cleanup() {
	local i pid jobs
	trap - EXIT INT TERM
	if [ -n "$D" ] && [ "${#PIDS[@]}" -gt 1 ]; then
		timeout 10 scancel --full --quiet --partition="$NODE" 2>/dev/null || true
		# until the jobs have left (their slurmstepd ended), or the
		# controller no longer answers
		for i in $(seq 40); do
			jobs=$(timeout 5 squeue -h -o %i 2>/dev/null) || break
			[ -z "$jobs" ] && break
			sleep 0.5
		done
	fi
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[i]}
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$D" ]; then
		if [ "${CLUSTER_KEEP:-0}" = 1 ]; then
			say "kept $D"
		else
			rm -rf "$D"
		fi
	fi
	if [ "$STATUS" -eq 0 ]; then
		say PASS
	else
		say FAIL
	fi
}
trap 'STATUS=$?; [ "$STATUS" -eq 0 ] || show_logs >&2; cleanup; exit "$STATUS"' EXIT
trap 'say "interrupted" >&2; exit 130' INT
trap 'say "terminated" >&2; exit 143' TERM

# --- what it needs ---------------------------------------------------------

[ -x "$USNSIM" ] || fail "$USNSIM not found: run make first"
[ -f "$STUDY" ] || fail "$STUDY: no such study"
[ "$(id -u)" -eq 0 ] ||
	fail "needs root: slurmd runs each job as its user (run it as root, e.g. sudo make test-cluster)"
need_cmds="munged munge slurmctld slurmd sbatch squeue sinfo scancel sqlite3"
have_all() {
	local c
	for c in $need_cmds; do
		command -v "$c" >/dev/null || return 1
	done
}
if ! have_all; then
	command -v apt-get >/dev/null ||
		fail "needs Slurm (slurmctld, slurmd, sbatch), munge and sqlite3; without apt-get, install them first"
	say "installing Debian packages: slurm-wlm munge sqlite3"
	apt-get update -q >/dev/null || fail "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 \
		slurm-wlm munge sqlite3 >/dev/null || fail "apt-get install slurm-wlm munge sqlite3 failed"
	have_all || fail "one of $need_cmds is missing after installing slurm-wlm and munge"
fi

# Nothing of a Slurm job or cluster this runs in reaches the test cluster's
# commands (SLURM_CONF is set below).
while read -r v; do
	unset "$v"
done < <(env | sed -n 's/^\(\(SLURM\|SBATCH\|SQUEUE\|SINFO\|SCANCEL\)_[A-Za-z0-9_]*\)=.*/\1/p')

D=$(mktemp -d "${TMPDIR:-/tmp}/usnsim-cluster.XXXXXX")
chmod 755 "$D"
mkdir -p "$D/munge" "$D/log" "$D/state" "$D/spool" "$D/work"
chmod 755 "$D/munge"

# --- the recipe, from the README -------------------------------------------

# The body of the fenced block after the marker comment `<!-- cluster-recipe
# NAME -->`, up to `<!-- /cluster-recipe -->`.
recipe() {
	awk -v begin="$BEGIN_MARK $1 -->" -v end="$END_MARK" '
		$0 == begin { on = 1; next }
		on && $0 == end { exit }
		on && /^```/ { next }
		on { print }' README.md
}
recipe shards.sh >"$D/work/shards.sh"
recipe submit >"$D/work/submit.sh"
{ [ -s "$D/work/shards.sh" ] && [ -s "$D/work/submit.sh" ]; } ||
	fail "README.md has no '$BEGIN_MARK shards.sh -->' or '$BEGIN_MARK submit -->' block"
grep -q '^sbatch .*shards\.sh study\.yaml' "$D/work/submit.sh" ||
	fail "README.md's submit block does not run 'sbatch ... shards.sh study.yaml'"
shards=$(sed -n 's/^sbatch .*--array=1-\([0-9][0-9]*\).*/\1/p' "$D/work/submit.sh")
[ -n "$shards" ] || fail "README.md's submit block has no --array=1-N"
need=$(sed -n 's/^#SBATCH --cpus-per-task=\([0-9][0-9]*\)$/\1/p' "$D/work/shards.sh")
need=${need:-1}

# The recipe runs in the directory it is submitted from, as in a source tree:
# build/usnsim and the study (named study.yaml, as in the README).
mkdir "$D/work/build"
ln -s "$(readlink -f "$USNSIM")" "$D/work/build/usnsim"
cp "$STUDY" "$D/work/study.yaml"

# --- a one-node cluster on localhost ---------------------------------------

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		[ "$p" = "${1:-}" ] && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "$p"
			return 0
		}
	done
	fail "no free TCP port found"
}
ctld_port=$(free_port)
slurmd_port=$(free_port "$ctld_port")

# The node as slurmd sees it (CPUs, boards, sockets, cores, threads,
# memory). A node with fewer CPUs than a task of the recipe asks for would
# leave the array pending forever (Reason=PartitionConfig): it is declared
# with the CPUs the recipe needs instead, and slurmd told to believe the
# configuration.
hw=$(slurmd -C | head -n 1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=' | tr '\n' ' ')
cpus=$(echo " $hw" | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')
mem=$(echo " $hw" | sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p')
{ [ -n "$cpus" ] && [ -n "$mem" ]; } || fail "slurmd -C did not report CPUs and RealMemory"
overrides=""
if [ "$cpus" -lt "$need" ]; then
	say "the node has $cpus CPUs, a task of the recipe asks for $need: declaring $need"
	hw="CPUs=$need RealMemory=$mem"
	overrides="SlurmdParameters=config_overrides"
fi

cat >"$D/slurm.conf" <<EOF
# A one-node cluster for tests/cluster/run.sh; everything is under $D.
ClusterName=usnsimtest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$D/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MailProg=/bin/true
# Short turns for a test: the next task starts as soon as one ends, and
# sbatch --wait polls every 2 s (its poll grows only while under half of
# MinJobAge), so it sees every finished task, and its exit status, before
# slurmctld forgets it, and the end of the array within 2 s.
SchedulerParameters=batch_sched_delay=0
MinJobAge=5
$overrides
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=localhost $hw State=UNKNOWN
PartitionName=$NODE Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
: >"$D/plugstack.conf"
export SLURM_CONF="$D/slurm.conf"

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
	local secs=$1
	shift
	for _ in $(seq $((secs * 5))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$D/munge/munge.key"
munged --foreground --socket="$D/munge/munge.socket" \
	--key-file="$D/munge/munge.key" --pid-file="$D/munge/munged.pid" \
	--seed-file="$D/munge/munged.seed" --log-file="$D/log/munged.log" \
	>"$D/log/munged.stderr" 2>&1 &
PIDS+=($!)
munge_ok() { munge -n -S "$D/munge/munge.socket" | unmunge -S "$D/munge/munge.socket"; }
wait_for 20 munge_ok || fail "munged did not start"

slurmctld -D >"$D/log/slurmctld.stderr" 2>&1 &
PIDS+=($!)
wait_for 30 sinfo -h || fail "slurmctld did not answer on port $ctld_port"
slurmd -D -N "$NODE" >"$D/log/slurmd.stderr" 2>&1 &
PIDS+=($!)
node_idle() { [ "$(sinfo -h -N -n "$NODE" -o %t)" = idle ]; }
wait_for 60 node_idle ||
	fail "node $NODE not idle after 60 s: $(sinfo -h -N -n "$NODE" -o '%t %E' 2>&1)"
say "one-node cluster up: $(sinfo -h -N -n "$NODE" -o '%N %c CPUs %m MB %t'), ports $ctld_port and $slurmd_port"

# --- the recipe ------------------------------------------------------------

# Runs the README's submit block in the work directory, failing at once on
# a job that will never run and after $TIMEOUT s in any case.
submit_recipe() {
	local start=$SECONDS submit stuck rc=0
	(cd "$D/work" && exec sh -eu ./submit.sh) >"$D/log/submit.log" 2>&1 &
	submit=$!
	# A job pending for a reason other than waiting its turn never runs.
	while kill -0 "$submit" 2>/dev/null; do
		stuck=$(squeue -h -t PD -o '%i %r' 2>/dev/null |
			grep -v -E ' (None|Priority|Resources|BeginTime|JobArrayTaskLimit)$' || true)
		if [ -n "$stuck" ]; then
			kill "$submit" 2>/dev/null || true
			fail "array pending and never to run: $stuck"
		fi
		if [ $((SECONDS - start)) -gt "$TIMEOUT" ]; then
			kill "$submit" 2>/dev/null || true
			fail "array not finished after $TIMEOUT s: $(squeue -h -o '%i %t %r' | head -5)"
		fi
		sleep 1
	done
	wait "$submit" || rc=$?
	[ "$rc" -eq 0 ] || fail "the README's submit block failed (status $rc):
$(cat "$D/log/submit.log")"
	say "array and merge done in $((SECONDS - start)) s"
}

say "README recipe: a $shards-task array over $(basename "$STUDY"), then merge"
submit_recipe
# --- the merged database equals an unsharded sweep -------------------------

# The merged database equals an unsharded sweep of the same study.
check_merged() {
	local n t a b list tables runs cols diff
	n=$(find . -maxdepth 1 -name 'shard-*.db' | wc -l)
	[ "$n" -eq "$shards" ] || fail "$n shard databases, expected $shards"
	[ -f study.db ] || fail "the recipe left no study.db"
	build/usnsim compare --exact ref.db study.db >compare.txt 2>&1 ||
		{ cat compare.txt >&2; fail "usnsim compare --exact: the merged database differs"; }
	tail -n 2 compare.txt
	# Every table holds as many rows on both sides, and every run has the
	# same key, seed, events, simulated time, fingerprint and status.
	list="SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
	tables=$(sqlite3 ref.db "$list")
	[ "$tables" = "$(sqlite3 study.db "$list")" ] ||
		fail "the two databases have different tables"
	for t in $tables; do
		a=$(sqlite3 ref.db "SELECT count(*) FROM \"$t\"")
		b=$(sqlite3 study.db "SELECT count(*) FROM \"$t\"")
		[ "$a" = "$b" ] || fail "table $t: $a rows unsharded, $b merged"
		printf '  %-12s %8s rows in both\n' "$t" "$a"
	done
	runs=$(sqlite3 ref.db "SELECT count(*) FROM runs")
	[ "$runs" -gt 0 ] || fail "the study ran no run"
	cols="scenario, path, hash, point, repetition, seed, engine, version, events, sim_s, fingerprint, status"
	diff=$(sqlite3 ref.db "ATTACH 'study.db' AS m;
		SELECT count(*) FROM (SELECT $cols FROM main.runs EXCEPT SELECT $cols FROM m.runs);
		SELECT count(*) FROM (SELECT $cols FROM m.runs EXCEPT SELECT $cols FROM main.runs)" |
		tr '\n' ' ')
	[ "$diff" = "0 0 " ] || fail "runs differ (only unsharded, only merged): $diff"
	say "merged $shards shards: $runs runs, equal to the unsharded sweep"
}

cd "$D/work"
build/usnsim sweep study.yaml -q --db ref.db || fail "the unsharded sweep failed"
check_merged

# --- after a failed task, the same lines again -----------------------------

# As if task $lost had failed: its shard is gone and, sbatch --wait having
# failed, nothing was merged. Submitted again, that task runs its runs
# again, every other finds all of its runs done, and the merge is whole.
lost=$(((shards + 1) / 2))
lost_runs=$(sqlite3 "shard-$lost.db" "SELECT count(*) FROM runs")
rm -f "shard-$lost.db"* study.db*
say "again, without shard $lost ($lost_runs runs) and study.db"
first=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$D/log/submit.log")
submit_recipe
second=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$D/log/submit.log")
{ [ -n "$second" ] && [ "$second" != "$first" ]; } || fail "no second job array submitted"
for k in $(seq "$shards"); do
	out=slurm-${second}_$k.out
	[ -f "$out" ] || fail "no $out"
	if [ "$k" -eq "$lost" ]; then
		grep -q ": ran $lost_runs in " "$out" ||
			fail "task $k did not run its $lost_runs runs again: $(tail -n 1 "$out")"
	else
		grep -q ": ran 0 in " "$out" ||
			fail "task $k ran runs its shard already held: $(tail -n 1 "$out")"
	fi
done
check_merged
STATUS=0
