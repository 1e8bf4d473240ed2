# shellcheck shell=bash
# Our own redis-server per environment (never the machine's one on 6379):
# 127.0.0.1:6380 for dev, :16380 for test, data and log in .local/<env>/redis.
# Durable the way the daemons expect: append-only file, fsync every second.

REDIS_READY_TIMEOUT=15
REDIS_STOP_GRACE=15

redis_dir() { printf '%s/redis' "$STATE_DIR"; }
redis_pidfile() { printf '%s/redis/redis.pid' "$STATE_DIR"; }
redis_log() { printf '%s/redis/redis.log' "$STATE_DIR"; }
# redis-server shows "redis-server 127.0.0.1:<port>" as its command line.
redis_running() { pid_alive "$(redis_pidfile)" "redis-server 127.0.0.1:$REDIS_PORT"; }
redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

redis_wait_ready() {
	local deadline=$((SECONDS + REDIS_READY_TIMEOUT))
	until redis_ping; do
		((SECONDS < deadline)) ||
			die_log "$(redis_log)" "redis ($ENV_NAME) did not answer PING on" \
				"$REDIS_ADDR within ${REDIS_READY_TIMEOUT}s"
		sleep 0.1
	done
}

# Starts redis-server daemonized with its pidfile and waits for PONG; leaves
# a running one alone.
redis_start() {
	local t0=$EPOCHREALTIME dir
	if redis_running; then
		msg "redis ($ENV_NAME): already running on $REDIS_ADDR"
		return 0
	fi
	port_free_or_die "$REDIS_PORT" "redis ($ENV_NAME)"
	dir=$(redis_dir)
	mkdir -p "$dir"
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
		--appendonly yes --appendfsync everysec --save '' \
		--daemonize yes --pidfile "$(redis_pidfile)" \
		--logfile "$(redis_log)" </dev/null 9>&- ||
		die_log "$(redis_log)" "redis ($ENV_NAME) failed to start"
	redis_wait_ready
	msg "redis ($ENV_NAME): ready on $REDIS_ADDR in $(elapsed "$t0")"
}

# Stops redis-server (SIGTERM: it syncs the append-only file), keeping data.
redis_stop() {
	local t0=$EPOCHREALTIME
	redis_running || return 0
	stop_pid "$(redis_pidfile)" "redis-server 127.0.0.1:$REDIS_PORT" \
		"$REDIS_STOP_GRACE" "redis ($ENV_NAME)"
	msg "redis ($ENV_NAME): stopped in $(elapsed "$t0")"
}
