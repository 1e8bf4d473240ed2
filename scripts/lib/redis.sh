# shellcheck shell=bash
# Our own redis-server per environment (never the machine's one on 6379):
# 127.0.0.1:6380 for dev, :16380 for test, data and log in .local/<env>/redis.
# Durable the way the daemons expect: append-only file, fsync every second.
#
# Redis sharded by partition (./dev up --redis N): entry i listens on
# REDIS_PORT + i with its own data in .local/<env>/redis-<i> (entry 0 keeps
# .local/<env>/redis), and the daemons get REDIS_ADDRS instead of
# REDIS_ADDR. The count is kept in .local/<env>/redis-shards, so that
# status, down and a later up see every entry.

REDIS_READY_TIMEOUT=15
REDIS_STOP_GRACE=15
REDIS_SHARDS_MAX=8

# Entry i (default 0): its directory, pidfile, log, port and address.
redis_dir() {
	local i=${1:-0}
	if ((i == 0)); then
		printf '%s/redis' "$STATE_DIR"
	else
		printf '%s/redis-%d' "$STATE_DIR" "$i"
	fi
}
redis_pidfile() { printf '%s/redis.pid' "$(redis_dir "${1:-0}")"; }
redis_log() { printf '%s/redis.log' "$(redis_dir "${1:-0}")"; }
redis_port() { printf '%d' $((REDIS_PORT + ${1:-0})); }
redis_addr() { printf '127.0.0.1:%d' "$(redis_port "${1:-0}")"; }
# redis-server shows "redis-server 127.0.0.1:<port>" as its command line.
redis_running() {
	pid_alive "$(redis_pidfile "${1:-0}")" \
		"redis-server 127.0.0.1:$(redis_port "${1:-0}")"
}
redis_ping() {
	[[ $(redis-cli -h 127.0.0.1 -p "$(redis_port "${1:-0}")" ping \
		2>/dev/null) == PONG ]]
}

# How many Redis the environment has: REDIS_SHARDS when set (./dev up
# --redis N), else what the last start recorded, else 1.
redis_shards() {
	local file=$STATE_DIR/redis-shards n=1
	if [[ -n ${REDIS_SHARDS:-} ]]; then
		n=$REDIS_SHARDS
	elif [[ -r $file ]]; then
		n=$(<"$file")
	fi
	[[ $n =~ ^[1-9]$ ]] && ((n <= REDIS_SHARDS_MAX)) ||
		die "Redis entries: $n is not 1 to $REDIS_SHARDS_MAX"
	printf '%d' "$n"
}

# REDIS_ADDRS of the environment: every entry, comma-separated.
redis_addrs() {
	local i n list=
	n=$(redis_shards)
	for ((i = 0; i < n; i++)); do
		list+=${list:+,}$(redis_addr "$i")
	done
	printf '%s' "$list"
}

redis_wait_ready() {
	local i=$1 deadline=$((SECONDS + REDIS_READY_TIMEOUT))
	until redis_ping "$i"; do
		((SECONDS < deadline)) ||
			die_log "$(redis_log "$i")" "redis ($ENV_NAME) did not" \
				"answer PING on $(redis_addr "$i") within" \
				"${REDIS_READY_TIMEOUT}s"
		sleep 0.1
	done
}

# Starts entry i daemonized with its pidfile and waits for PONG; leaves a
# running one alone.
redis_start_one() {
	local i=$1 t0=$EPOCHREALTIME dir
	if redis_running "$i"; then
		msg "redis ($ENV_NAME): already running on $(redis_addr "$i")"
		return 0
	fi
	port_free_or_die "$(redis_port "$i")" "redis ($ENV_NAME)"
	dir=$(redis_dir "$i")
	mkdir -p "$dir"
	redis-server --bind 127.0.0.1 --port "$(redis_port "$i")" --dir "$dir" \
		--appendonly yes --appendfsync everysec --save '' \
		--daemonize yes --pidfile "$(redis_pidfile "$i")" \
		--logfile "$(redis_log "$i")" </dev/null 9>&- ||
		die_log "$(redis_log "$i")" "redis ($ENV_NAME) failed to start"
	redis_wait_ready "$i"
	msg "redis ($ENV_NAME): ready on $(redis_addr "$i") in $(elapsed "$t0")"
}

# Starts every entry (one unless ./dev up --redis N) and records how many.
redis_start() {
	local i n
	n=$(redis_shards)
	mkdir -p "$STATE_DIR"
	printf '%d\n' "$n" >"$STATE_DIR/redis-shards"
	for ((i = 0; i < n; i++)); do
		redis_start_one "$i"
	done
}

# Stops entry i (SIGTERM: it syncs the append-only file), keeping data.
redis_stop_one() {
	local i=$1 t0=$EPOCHREALTIME
	redis_running "$i" || return 0
	stop_pid "$(redis_pidfile "$i")" \
		"redis-server 127.0.0.1:$(redis_port "$i")" \
		"$REDIS_STOP_GRACE" "redis ($ENV_NAME)"
	msg "redis ($ENV_NAME): stopped $(redis_addr "$i") in $(elapsed "$t0")"
}

# Stops every entry that runs, whatever the recorded count.
redis_stop() {
	local i
	for ((i = 0; i < REDIS_SHARDS_MAX; i++)); do
		redis_stop_one "$i"
	done
}
