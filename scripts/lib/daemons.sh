# shellcheck shell=bash
# The platform's daemons in the dev environment: each one whose binary is
# built runs from build/services/<name>/<name> with config/dev.env, its HTTP
# server (healthz, and intake's API) on its own port, its admin server
# (healthz, readyz, metrics) on that port + 1000, its log in
# .local/dev/logs/<name>.log and its pid in .local/dev/run/<name>.pid.
#
# With DAEMON_REPLICAS=N (./dev up --replicas N), each daemon runs as N
# instances <name>-1 .. <name>-N, each with INSTANCE_ID=<name>-<i> (static
# group membership, so a restarted instance takes its partitions back
# without a rebalance), its ports moved by 100 per instance after the
# first, and its own log and pidfile. Every function below takes an
# instance name; a plain daemon name is the single instance.
DAEMONS=(intake classifier sla-timer notifier penalty analytics)
declare -A DAEMON_PORT=(
	[intake]=8080 [classifier]=8081 [sla-timer]=8082
	[notifier]=8083 [penalty]=8084 [analytics]=8090
)
DAEMON_ADMIN_OFFSET=1000 # common/daemon.c: ADMIN_LISTEN's default port
DAEMON_READY_TIMEOUT=30
DAEMON_STOP_GRACE=15
DAEMON_INSTANCE_STEP=100 # ports of instance i: + (i - 1) * this
DAEMON_REPLICAS=${DAEMON_REPLICAS:-1}
DAEMON_PORT_SHIFT=${DAEMON_PORT_SHIFT:-0} # another environment's daemons
DAEMON_ENV_FILE=${DAEMON_ENV_FILE:-$ROOT/config/dev.env}

# The daemon of an instance name: "sla-timer-2" is sla-timer's second.
daemon_of() {
	local inst=$1
	[[ -v DAEMON_PORT[$inst] ]] || inst=${inst%-[0-9]*}
	printf '%s' "$inst"
}
# The instance's number, 0 for a single instance.
daemon_index() {
	local inst=$1
	[[ -v DAEMON_PORT[$inst] ]] && { printf 0; return; }
	printf '%s' "${inst##*-}"
}
# The instance names of a daemon under DAEMON_REPLICAS.
daemon_instances() {
	local i
	if ((DAEMON_REPLICAS <= 1)); then
		printf '%s\n' "$1"
		return
	fi
	for ((i = 1; i <= DAEMON_REPLICAS; i++)); do printf '%s-%d\n' "$1" "$i"; done
}
# The instances that have a pidfile, whatever DAEMON_REPLICAS says now.
daemon_started() {
	local f
	for f in "$STATE_DIR/run/$1.pid" "$STATE_DIR"/run/"$1"-[0-9]*.pid; do
		[[ -e $f ]] && basename "$f" .pid
	done
	return 0
}
daemon_port() {
	local d i
	d=$(daemon_of "$1") i=$(daemon_index "$1")
	((i > 0)) && i=$((i - 1))
	printf '%s' "$((DAEMON_PORT[$d] + DAEMON_PORT_SHIFT + i * DAEMON_INSTANCE_STEP))"
}
daemon_bin() {
	local d
	d=$(daemon_of "$1")
	printf '%s/services/%s/%s' "$BUILD_DIR" "$d" "$d"
}
daemon_pidfile() { printf '%s/run/%s.pid' "$STATE_DIR" "$1"; }
daemon_log() { printf '%s/logs/%s.log' "$STATE_DIR" "$1"; }
daemon_listen() { printf '127.0.0.1:%s' "$(daemon_port "$1")"; }
daemon_admin_listen() {
	printf '127.0.0.1:%s' "$(($(daemon_port "$1") + DAEMON_ADMIN_OFFSET))"
}
daemon_running() { pid_alive "$(daemon_pidfile "$1")" "$(daemon_bin "$1")"; }
daemon_healthy() {
	curl -fsS -o /dev/null --max-time 2 "http://$(daemon_listen "$1")/healthz" \
		2>/dev/null
}

daemon_wait_healthy() {
	local name=$1 deadline=$((SECONDS + DAEMON_READY_TIMEOUT))
	until daemon_healthy "$name"; do
		if ! daemon_running "$name"; then
			rm -f "$(daemon_pidfile "$name")"
			die_log "$(daemon_log "$name")" "$name exited while starting"
		fi
		((SECONDS < deadline)) ||
			die_log "$(daemon_log "$name")" "$name: http://$(daemon_listen \
				"$name")/healthz did not answer 200 within" \
				"${DAEMON_READY_TIMEOUT}s"
		sleep 0.2
	done
}

# Starts one daemon with config/dev.env (then $DAEMONS_ENV_FILE and
# $DAEMONS_ENV_EXTRA, when set) plus its HTTP_LISTEN and ADMIN_LISTEN, and
# REDIS_ADDRS instead of REDIS_ADDR when Redis has several entries, and
# on a cluster KAFKA_BROKERS listing its three brokers.
daemon_start() {
	local name=$1 brokers=$KAFKA_BROKERS
	daemon_running "$name" && return 0
	port_free_or_die "$(daemon_port "$name")" "$name"
	port_free_or_die "$(($(daemon_port "$name") + DAEMON_ADMIN_OFFSET))" \
		"$name (admin)"
	(
		set -a
		# shellcheck source=/dev/null
		. "$DAEMON_ENV_FILE"
		# The bench environment's own on top (config/bench.env).
		if [[ -n ${DAEMONS_ENV_FILE:-} ]]; then
			# shellcheck source=/dev/null
			. "$DAEMONS_ENV_FILE"
		fi
		# ./dev run adds the demo's settings (config/demo.env).
		if [[ -n ${DAEMONS_ENV_EXTRA:-} ]]; then
			# shellcheck source=/dev/null
			. "$DAEMONS_ENV_EXTRA"
		fi
		# ./dev up --redis N: the daemons get every entry.
		if (($(redis_shards) > 1)); then
			unset REDIS_ADDR
			REDIS_ADDRS=$(redis_addrs)
		fi
		# A cluster (--brokers 3): every broker is a bootstrap server.
		((KAFKA_NODES == 1)) || KAFKA_BROKERS=$brokers
		HTTP_LISTEN=$(daemon_listen "$name")
		ADMIN_LISTEN=$(daemon_admin_listen "$name")
		[[ $name == "$(daemon_of "$name")" ]] || INSTANCE_ID=$name
		set +a
		spawn "$(daemon_pidfile "$name")" "$(daemon_log "$name")" \
			"$(daemon_bin "$name")"
	)
}

# Starts every instance of every built daemon that is not running, then
# waits for each.
daemons_start() {
	local d name started=()
	for d in "${DAEMONS[@]}"; do
		[[ -x $(daemon_bin "$d") ]] || continue
		for name in $(daemon_instances "$d"); do
			daemon_running "$name" && continue
			daemon_start "$name"
			started+=("$name")
		done
	done
	for name in "${started[@]}"; do
		daemon_wait_healthy "$name"
		msg "$name: healthy on $(daemon_listen "$name")"
	done
}

daemons_stop() {
	local d name
	for d in "${DAEMONS[@]}"; do
		for name in $(daemon_started "$d"); do
			daemon_running "$name" || {
				rm -f "$(daemon_pidfile "$name")"
				continue
			}
			stop_pid "$(daemon_pidfile "$name")" \
				"$(daemon_bin "$name")" "$DAEMON_STOP_GRACE" "$name"
			msg "$name: stopped"
		done
	done
}

# ./dev status: a line per instance that was started (or per daemon, when
# none was), then the partitions each group member holds, from Kafka.
daemons_status() {
	local d name state names
	for d in "${DAEMONS[@]}"; do
		names=$(daemon_started "$d")
		for name in ${names:-$d}; do
			state=down
			[[ -x $(daemon_bin "$d") ]] || state="not built"
			daemon_running "$name" && state=up
			status_line "$name" "$state" "$(daemon_listen "$name")" \
				"$(daemon_pidfile "$name")"
		done
	done
	if port_open "$KAFKA_PORT" && [[ -x $BUILD_DIR/tools/cdp-ops ]]; then
		printf 'group members and their partitions:\n'
		"$BUILD_DIR/tools/cdp-ops" -b "$KAFKA_BROKERS" members 2>&1 |
			sed 's/^/  /' || true
	fi
}
