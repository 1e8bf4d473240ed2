# shellcheck shell=bash
# The platform's daemons in the dev environment: each one whose binary is
# built runs from build/services/<name>/<name> with config/dev.env, its HTTP
# server (healthz, and intake's API) on its own port, its admin server
# (healthz, readyz, metrics) on that port + 1000, its log in
# .local/dev/logs/<name>.log and its pid in .local/dev/run/<name>.pid.

DAEMONS=(intake classifier sla-timer notifier penalty analytics)
declare -A DAEMON_PORT=(
	[intake]=8080 [classifier]=8081 [sla-timer]=8082
	[notifier]=8083 [penalty]=8084 [analytics]=8090
)
DAEMON_ADMIN_OFFSET=1000 # common/daemon.c: ADMIN_LISTEN's default port
DAEMON_READY_TIMEOUT=30
DAEMON_STOP_GRACE=15

daemon_bin() { printf '%s/services/%s/%s' "$BUILD_DIR" "$1" "$1"; }
daemon_pidfile() { printf '%s/run/%s.pid' "$STATE_DIR" "$1"; }
daemon_log() { printf '%s/logs/%s.log' "$STATE_DIR" "$1"; }
# The bench environment moves every port by DAEMON_PORT_SHIFT (env_load).
daemon_port() { printf '%s' "$((DAEMON_PORT[$1] + ${DAEMON_PORT_SHIFT:-0}))"; }
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
# $DAEMONS_ENV_EXTRA, when set) plus its HTTP_LISTEN and ADMIN_LISTEN.
daemon_start() {
	local name=$1
	daemon_running "$name" && return 0
	port_free_or_die "$(daemon_port "$name")" "$name"
	port_free_or_die "$(($(daemon_port "$name") + DAEMON_ADMIN_OFFSET))" \
		"$name (admin)"
	(
		set -a
		# shellcheck source=/dev/null
		. "$ROOT/config/dev.env"
		# The bench environment's own (config/bench.env).
		if [[ -n ${DAEMONS_ENV_FILE:-} ]]; then
			# shellcheck source=/dev/null
			. "$DAEMONS_ENV_FILE"
		fi
		# ./dev run adds the demo's settings (config/demo.env).
		if [[ -n ${DAEMONS_ENV_EXTRA:-} ]]; then
			# shellcheck source=/dev/null
			. "$DAEMONS_ENV_EXTRA"
		fi
		HTTP_LISTEN=$(daemon_listen "$name")
		ADMIN_LISTEN=$(daemon_admin_listen "$name")
		set +a
		spawn "$(daemon_pidfile "$name")" "$(daemon_log "$name")" \
			"$(daemon_bin "$name")"
	)
}

# Starts every built daemon that is not running, then waits for each.
daemons_start() {
	local name started=()
	for name in "${DAEMONS[@]}"; do
		[[ -x $(daemon_bin "$name") ]] || continue
		daemon_running "$name" && continue
		daemon_start "$name"
		started+=("$name")
	done
	for name in "${started[@]}"; do
		daemon_wait_healthy "$name"
		msg "$name: healthy on $(daemon_listen "$name")"
	done
}

daemons_stop() {
	local name
	for name in "${DAEMONS[@]}"; do
		daemon_running "$name" || continue
		stop_pid "$(daemon_pidfile "$name")" "$(daemon_bin "$name")" \
			"$DAEMON_STOP_GRACE" "$name"
		msg "$name: stopped"
	done
}
