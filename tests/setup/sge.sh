#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# A single-host Grid Engine cluster for the tests in tests/integration/sge/:
#   bash tests/setup/sge.sh start|stop|status
#
# As root, without systemd (CI is a fresh Debian 12 VM; containers have a
# policy-rc.d that blocks service starts): installs Debian's Son of Grid
# Engine 8.1.9 when missing (debconf preseeded, daemons kept from starting
# during the install), configures the cell, starts sge_qmaster and
# sge_execd in the background with their pids recorded under
# $HPCNET_SGE_DIR, and returns only once a probe job has run to completion
# and its accounting record is readable.
#
# What it configures (facts behind each: ../shared/SCHEDULER-NOTES.md and
# docs/OPERATIONS.md):
#  * host_aliases + act_qmaster, for hosts whose name resolves to 127.0.0.1
#    and back to "localhost" (commlib then refuses every client);
#  * min_uid/min_gid 0: the tests' jobs run as root, the user the agent
#    runs as here (a production agent runs as an ordinary user);
#  * accounting records written at once (accounting_flush_time 0), a 1 s
#    scheduler tick and flush on submit/finish: ~1 s submit -> complete;
#  * a parallel environment `smp` (allocation_rule $pe_slots: all slots of
#    a job on one host) and a queue `all.q` with 16 slots, pe_list smp,
#    no load thresholds (a 2-core host is "overloaded" at once otherwise);
#  * a second queue `long.q` (2 slots) so queue selection can be tested.
#
# start on a running cluster is a no-op; stop deletes every job, kills only
# the recorded pids and removes $HPCNET_SGE_DIR. Idempotent both ways.
set -u

BASE=${HPCNET_SGE_DIR:-/tmp/hpcnet-sge}
export SGE_ROOT=${SGE_ROOT:-/var/lib/gridengine}
export SGE_CELL=${SGE_CELL:-default}
SLOTS=${HPCNET_SGE_SLOTS:-16}
PKGS="gridengine-master gridengine-exec gridengine-client"
SPOOL=/var/spool/gridengine
COMMON=$SGE_ROOT/$SGE_CELL/common
BIN=""  # $SGE_ROOT/bin/<arch>, set by find_bin

die() {
	echo "sge.sh: error: $*" >&2
	exit 1
}
say() { echo "sge.sh: $*"; }

alive() { # pidfile
	[ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts sge_qmaster/sge_execd)"
}

missing_pkgs() {
	local p missing=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	echo "$missing"
}

install_pkgs() {
	local missing host own_policy=""
	missing=$(missing_pkgs)
	[ -z "$missing" ] && return 0
	host=$(hostname)
	say "installing$missing (apt-get; pulls in exim4)"
	# Answers for every question the packages ask; gridengineconfig=true
	# lets the master's postinst create the cell and the spool database.
	debconf-set-selections <<EOF || die "debconf-set-selections failed"
gridengine-common shared/gridenginemaster string $host
gridengine-common shared/gridenginecell string $SGE_CELL
gridengine-common shared/gridengineconfig boolean true
gridengine-master shared/gridenginemaster string $host
gridengine-master shared/gridenginecell string $SGE_CELL
gridengine-master shared/gridengineconfig boolean true
gridengine-client shared/gridenginemaster string $host
gridengine-client shared/gridenginecell string $SGE_CELL
gridengine-client shared/gridengineconfig boolean true
exim4-config exim4/dc_eximconfig_configtype select local delivery only; not on a network
EOF
	# Daemons started by the package would come up before the host
	# aliases exist and refuse every client: we start them ourselves.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing >"$BASE/apt.log" 2>&1; then
		apt-get -o DPkg::Lock::Timeout=600 update >>"$BASE/apt.log" 2>&1 &&
			apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing >>"$BASE/apt.log" 2>&1
	fi
	local rc=$?
	[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
	[ $rc = 0 ] || die "apt-get install$missing failed: $(tail -5 "$BASE/apt.log")"
	missing=$(missing_pkgs)
	[ -z "$missing" ] || die "still not installed:$missing: $(tail -5 "$BASE/apt.log")"
}

find_bin() {
	local arch
	arch=$("$SGE_ROOT/util/arch" 2>/dev/null) || die "$SGE_ROOT/util/arch failed: is gridengine-common installed?"
	BIN=$SGE_ROOT/bin/$arch
	[ -x "$BIN/qstat" ] || die "$BIN/qstat is missing"
}

# The cell's files; re-created when a stop or a failed install left none.
init_cell() {
	if [ ! -s "$COMMON/bootstrap" ]; then
		say "creating cell $SGE_CELL (init_cluster)"
		mkdir -p "$SPOOL" && chown sgeadmin:sgeadmin "$SPOOL"
		rm -rf "$SPOOL/spooldb"
		su -s /bin/sh -c "/usr/share/gridengine/scripts/init_cluster $SGE_ROOT $SGE_CELL $SPOOL/spooldb sgeadmin" \
			sgeadmin >"$BASE/init_cluster.log" 2>&1 ||
			die "init_cluster failed; see $BASE/init_cluster.log"
	fi
	mkdir -p "$SPOOL/qmaster" "$SPOOL/execd"
	chown sgeadmin:sgeadmin "$SPOOL/qmaster" "$SPOOL/execd"
}

# Host name quirks: SGE resolves the name itself and compares it with the
# name the peer's IP resolves to; on hosts where that is "localhost" every
# request is refused ("client IP resolved to host name localhost").
fix_hostnames() {
	local host
	host=$(hostname)
	if ! getent hosts "$host" >/dev/null; then
		say "adding $host to /etc/hosts (it did not resolve)"
		echo "127.0.1.1 $host" >>/etc/hosts
	fi
	HOST=$("$SGE_ROOT/utilbin/$(basename "$BIN")/gethostname" -aname 2>/dev/null) || HOST=$host
	[ -n "$HOST" ] || HOST=$host
	echo "$HOST localhost" >"$COMMON/host_aliases"
	echo "$HOST" >"$COMMON/act_qmaster"
	chown sgeadmin:sgeadmin "$COMMON/host_aliases" "$COMMON/act_qmaster"
}

qconf() { "$BIN/qconf" "$@"; }

# qconf -A<kind> FILE when the object is new, -M<kind> FILE when it exists.
put() { # kind show-arg name file
	if qconf "-s$1" "$3" >/dev/null 2>&1; then
		qconf "-M$1" "$4" >>"$BASE/qconf.log" 2>&1 || die "qconf -M$1 $3 failed; see $BASE/qconf.log"
	else
		qconf "-A$1" "$4" >>"$BASE/qconf.log" 2>&1 || die "qconf -A$1 $3 failed; see $BASE/qconf.log"
	fi
}

configure() {
	local d=$BASE/conf
	mkdir -p "$d"
	# Global configuration: the file must be named "global" for -Mconf.
	qconf -sconf global | sed \
		-e 's/^min_uid .*/min_uid                      0/' \
		-e 's/^min_gid .*/min_gid                      0/' \
		-e 's/^load_report_time .*/load_report_time             00:00:05/' \
		-e 's/^mailer .*/mailer                       \/bin\/true/' |
		awk '/^reporting_params/ { skip = 1 } !skip { print } skip && !/\\$/ { skip = 0 }' >"$d/global"
	echo "reporting_params accounting=true reporting=false flush_time=00:00:15 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00" >>"$d/global"
	grep -q '^min_uid *0$' "$d/global" || die "could not read the global configuration (qconf -sconf)"
	qconf -Mconf "$d/global" >>"$BASE/qconf.log" 2>&1 || die "qconf -Mconf failed; see $BASE/qconf.log"

	qconf -ssconf | sed \
		-e 's/^schedule_interval .*/schedule_interval                 0:0:1/' \
		-e 's/^flush_submit_sec .*/flush_submit_sec                  1/' \
		-e 's/^flush_finish_sec .*/flush_finish_sec                  1/' >"$d/sched"
	qconf -Msconf "$d/sched" >>"$BASE/qconf.log" 2>&1 || die "qconf -Msconf failed; see $BASE/qconf.log"

	qconf -sh 2>/dev/null | grep -qx "$HOST" || qconf -ah "$HOST" >>"$BASE/qconf.log" 2>&1
	qconf -ss 2>/dev/null | grep -qx "$HOST" || qconf -as "$HOST" >>"$BASE/qconf.log" 2>&1
	cat >"$d/exechost" <<EOF
hostname              $HOST
load_scaling          NONE
complex_values        NONE
user_lists            NONE
xuser_lists           NONE
projects              NONE
xprojects             NONE
usage_scaling         NONE
report_variables      NONE
EOF
	put e e "$HOST" "$d/exechost"
	printf 'group_name @allhosts\nhostlist %s\n' "$HOST" >"$d/allhosts"
	put hgrp hgrp @allhosts "$d/allhosts"
	cat >"$d/smp" <<'EOF'
pe_name            smp
slots              9999
user_lists         NONE
xuser_lists        NONE
start_proc_args    /bin/true
stop_proc_args     /bin/true
allocation_rule    $pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
	put p p smp "$d/smp"
	queue all.q "$SLOTS" 0
	queue long.q 2 1
}

queue() { # name slots seq_no
	qconf -sq | sed \
		-e "s/^qname .*/qname                 $1/" \
		-e 's/^hostlist .*/hostlist              @allhosts/' \
		-e "s/^seq_no .*/seq_no                $3/" \
		-e 's/^load_thresholds .*/load_thresholds       NONE/' \
		-e 's/^pe_list .*/pe_list               smp/' \
		-e "s/^slots .*/slots                 $2/" >"$BASE/conf/$1"
	put q q "$1" "$BASE/conf/$1"
}

qmaster_up() { "$BIN/qstat" -u '*' >/dev/null 2>&1; }

start_qmaster() {
	if alive "$BASE/qmaster.pid" && qmaster_up; then
		return 0
	fi
	# A qmaster we did not record (the package's, an earlier run's) would
	# hold the port and the old host aliases.
	if [ -s "$SPOOL/qmaster/qmaster.pid" ] && kill -0 "$(cat "$SPOOL/qmaster/qmaster.pid")" 2>/dev/null; then
		say "stopping a qmaster we did not start (pid $(cat "$SPOOL/qmaster/qmaster.pid"))"
		stop_pid "$(cat "$SPOOL/qmaster/qmaster.pid")"
	fi
	rm -f "$SPOOL/qmaster/qmaster.pid"
	# sge_qmaster daemonizes itself and writes its pid file.
	/usr/sbin/sge_qmaster >"$BASE/qmaster.out" 2>&1 || die "sge_qmaster did not start: $(cat "$BASE/qmaster.out")"
	for _ in $(seq 100); do
		if [ -s "$SPOOL/qmaster/qmaster.pid" ] && qmaster_up; then
			cp "$SPOOL/qmaster/qmaster.pid" "$BASE/qmaster.pid"
			return 0
		fi
		sleep 0.1
	done
	die "sge_qmaster does not answer; see $SPOOL/qmaster/messages"
}

# The execd names its spool directory after the host name as it resolves
# it locally, before host_aliases ("localhost" on such hosts): look for
# its pid file in any of them.
execd_pidfile() {
	local f
	for f in "$SPOOL"/execd/*/execd.pid; do
		[ -s "$f" ] && echo "$f" && return 0
	done
	return 1
}

start_execd() {
	local f
	if alive "$BASE/execd.pid"; then
		return 0
	fi
	for f in "$SPOOL"/execd/*/execd.pid; do
		[ -s "$f" ] || continue
		if kill -0 "$(cat "$f")" 2>/dev/null; then
			say "stopping an execd we did not start (pid $(cat "$f"))"
			stop_pid "$(cat "$f")"
		fi
		rm -f "$f"
	done
	/usr/sbin/sge_execd >"$BASE/execd.out" 2>&1 || die "sge_execd did not start: $(cat "$BASE/execd.out")"
	for _ in $(seq 100); do
		if f=$(execd_pidfile); then
			cp "$f" "$BASE/execd.pid"
			return 0
		fi
		sleep 0.1
	done
	die "sge_execd wrote no pid file; see $SPOOL/execd/*/messages"
}

# Ready = the execd reports load and a job runs to completion and shows
# in the accounting (the adapter reads finished jobs from there).
wait_ready() {
	local id out
	for _ in $(seq 300); do
		"$BIN/qhost" -h "$HOST" 2>/dev/null | awk -v h="$HOST" '$1 == h && $4 != "-" { ok = 1 } END { exit !ok }' && break
		sleep 0.1
	done
	id=$(cd "$BASE" && "$BIN/qsub" -terse -b y -N hpcnet-probe -o /dev/null -e /dev/null /bin/true 2>"$BASE/probe.err") ||
		die "the probe job was refused: $(cat "$BASE/probe.err")"
	for _ in $(seq 600); do
		if out=$("$BIN/qacct" -j "$id" 2>/dev/null) && echo "$out" | grep -q '^exit_status *0'; then
			say "ready: probe job $id completed"
			return 0
		fi
		sleep 0.1
	done
	"$BIN/qstat" -j "$id" >&2 2>&1
	die "the probe job $id did not complete within 60 s; see $SPOOL/qmaster/messages"
}

stop_pid() { # pid: TERM, then KILL after 10 s
	local p=$1
	kill "$p" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
}

cmd_start() {
	need_root
	mkdir -p "$BASE"
	install_pkgs
	find_bin
	init_cell
	fix_hostnames
	if alive "$BASE/qmaster.pid" && alive "$BASE/execd.pid" && qmaster_up; then
		say "already running (qmaster pid $(cat "$BASE/qmaster.pid"), execd pid $(cat "$BASE/execd.pid"))"
		return 0
	fi
	start_qmaster
	configure
	start_execd
	wait_ready
	say "running: qmaster pid $(cat "$BASE/qmaster.pid"), execd pid $(cat "$BASE/execd.pid"); SGE_ROOT=$SGE_ROOT SGE_CELL=$SGE_CELL bin $BIN"
}

cmd_stop() {
	need_root
	if [ -x "$SGE_ROOT/util/arch" ]; then
		find_bin
		# Leave no job behind for the next start to run again.
		if alive "$BASE/qmaster.pid"; then
			"$BIN/qdel" -f -u '*' >/dev/null 2>&1
			sleep 1
		fi
	fi
	# Jobs first (their shepherds are children of the execd), then daemons;
	# sge_qmaster takes ~7 s to exit after SIGTERM (its threads wind down).
	for f in execd qmaster; do
		if alive "$BASE/$f.pid"; then
			say "stopping sge_$f (pid $(cat "$BASE/$f.pid"))"
			stop_pid "$(cat "$BASE/$f.pid")"
		fi
	done
	rm -rf "$SPOOL"/execd/*/active_jobs/* "$SPOOL"/execd/*/jobs/* 2>/dev/null
	rm -rf "$BASE"
	say "stopped"
}

cmd_status() {
	if alive "$BASE/qmaster.pid" && alive "$BASE/execd.pid"; then
		find_bin
		say "running: qmaster pid $(cat "$BASE/qmaster.pid"), execd pid $(cat "$BASE/execd.pid")"
		"$BIN/qstat" -g c
		return 0
	fi
	say "not running"
	return 1
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
