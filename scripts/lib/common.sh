# shellcheck shell=bash
# Shared by every part of ./dev: messages, the two environments, processes
# started in the background with a pidfile, ports, and bounded waits.
# Sourced by ./dev, which sets ROOT (the repository) and `set -euo pipefail`.

msg() { printf 'dev: %s\n' "$*"; }
warn() { printf 'dev: %s\n' "$*" >&2; }
die() {
	printf 'dev: %s\n' "$*" >&2
	exit 1
}

# Prints the last lines of a log to stderr, to explain a failure.
show_tail() {
	local file=$1
	if [[ -s $file ]]; then
		printf 'dev: --- last lines of %s ---\n' "${file#"$ROOT"/}" >&2
		tail -n "${2:-30}" "$file" >&2
		printf 'dev: ---\n' >&2
	else
		printf 'dev: (%s is empty or missing)\n' "${file#"$ROOT"/}" >&2
	fi
}

# die with the tail of a log.
die_log() {
	show_tail "$1"
	die "$2"
}

# Seconds since a start taken from $EPOCHREALTIME, with one decimal.
elapsed() {
	local now=$EPOCHREALTIME
	awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1fs", b - a }'
}

# The two environments: "dev" for ./dev up and "test" for ./dev test. Each
# has its own ports and its own state under .local/<env>, so both can run at
# once. env_load sets the variables every other function reads.
env_load() {
	DAEMONS_ENV_FILE='' DAEMON_PORT_SHIFT=0
	case ${1:-} in
	dev)
		KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 REDIS_PORT=6380
		KAFKA_HEAP="-Xms256m -Xmx768m"
		BUILD_DIR=$ROOT/build
		BUILD_FLAGS=()
		;;
	test)
		# CDP_TEST_PORT_OFFSET moves the test environment's ports, so
		# that several work trees on one machine can each run ./dev test.
		local off=${CDP_TEST_PORT_OFFSET:-0}
		[[ $off =~ ^[0-9]{1,4}$ ]] ||
			die "CDP_TEST_PORT_OFFSET must be a number from 0 to 9999"
		KAFKA_PORT=$((19092 + off)) KAFKA_CONTROLLER_PORT=$((19093 + off))
		REDIS_PORT=$((16380 + off))
		KAFKA_HEAP="-Xms256m -Xmx512m"
		BUILD_DIR=$ROOT/build-test
		BUILD_FLAGS=(-DCDP_WERROR=ON -DCDP_SANITIZE=ON)
		;;
	bench)
		# ./dev bench: ports of its own (dev 9092, test 19092 and up,
		# chaos 24092), so a benchmark never disturbs the others.
		KAFKA_PORT=29092 KAFKA_CONTROLLER_PORT=29093 REDIS_PORT=26380
		KAFKA_HEAP="-Xms512m -Xmx1g"
		BUILD_DIR=$ROOT/build
		BUILD_FLAGS=()
		DAEMONS_ENV_FILE=$ROOT/config/bench.env
		DAEMON_PORT_SHIFT=20000
		;;
	chaos)
		# ./dev chaos (scripts/lib/chaos.sh), below the kernel's
		# ephemeral ports (32768 and up), which any connection may hold
		# when a killed daemon binds its port again. Its ports move with
		# CDP_TEST_PORT_OFFSET, like test's own, whether under ./dev
		# test or not: chaos runs of several work trees can share a
		# machine.
		local off=${CDP_TEST_PORT_OFFSET:-0}
		[[ $off =~ ^[0-9]{1,4}$ ]] ||
			die "CDP_TEST_PORT_OFFSET must be a number from 0 to 9999"
		KAFKA_PORT=$((24092 + off)) KAFKA_CONTROLLER_PORT=$((24093 + off))
		REDIS_PORT=$((23380 + off))
		KAFKA_HEAP="-Xms256m -Xmx512m"
		BUILD_DIR=${CDP_CHAOS_BUILD_DIR:-$ROOT/build}
		BUILD_FLAGS=()
		;;
	*) die "unknown environment '${1:-}' (dev, test, bench or chaos)" ;;
	esac
	ENV_NAME=$1
	STATE_DIR=$ROOT/.local/$1
	# A moved test or chaos environment keeps its state apart too.
	[[ $1 != dev && ${off:-0} != 0 ]] && STATE_DIR=$ROOT/.local/$1-$off
	REDIS_ADDR=127.0.0.1:$REDIS_PORT
	# One broker, or the three of KAFKA_NODES_WANTED=3 (--brokers 3), or
	# as many as the environment was started with: sets KAFKA_BROKERS.
	kafka_nodes_init "${KAFKA_NODES_WANTED:-}"
}

# True when the process in pidfile runs and its command line contains
# pattern, so that a pid reused by another program is not taken for ours.
pid_alive() {
	local pidfile=$1 pattern=$2 pid cmdline
	[[ -r $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmdline == *"$pattern"* ]]
}

# Starts a program detached from this shell and its terminal (its own
# session, so a Ctrl-C in ./dev does not reach it), appending its output to
# log and writing its pid to pidfile. The environment is inherited.
spawn() {
	local pidfile=$1 log=$2
	shift 2
	mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
	rm -f "$pidfile" # a stale one would pass for the new process
	# shellcheck disable=SC2016
	setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
		</dev/null >>"$log" 2>&1 9>&- &
	# The pidfile is written by the child: wait for it, briefly.
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -s $pidfile ]] && return 0
		sleep 0.02
	done
	die "could not start $1"
}

# Stops the process of pidfile: SIGTERM, up to grace seconds for it to
# exit, then SIGKILL. Removes the pidfile. Nothing to do if it is not ours.
stop_pid() {
	local pidfile=$1 pattern=$2 grace=$3 name=$4 pid i
	if ! pid_alive "$pidfile" "$pattern"; then
		rm -f "$pidfile"
		return 0
	fi
	pid=$(<"$pidfile")
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace * 10; i++)); do
		pid_alive "$pidfile" "$pattern" || break
		sleep 0.1
	done
	if pid_alive "$pidfile" "$pattern"; then
		warn "$name did not stop within ${grace}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			[[ -d /proc/$pid ]] || break
			sleep 0.1
		done
	fi
	rm -f "$pidfile"
}

# True when something accepts TCP connections on 127.0.0.1:port.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Refuses to start on a port another program holds: its data is not ours.
port_free_or_die() {
	local port=$1 what=$2
	if port_open "$port"; then
		die "port $port is in use by another program; $what cannot start" \
			"(ss -ltnp 'sport = :$port' shows which)"
	fi
}

# The cmake build of an environment: configure (quick when nothing changed),
# then build the given targets, or everything when none are given.
cmake_build() {
	local target_args=() t
	for t in "$@"; do target_args+=(--target "$t"); done
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		"${BUILD_FLAGS[@]}" >/dev/null ||
		die "cmake configure of ${BUILD_DIR#"$ROOT"/} failed"
	cmake --build "$BUILD_DIR" -j2 "${target_args[@]}" ||
		die "build of ${BUILD_DIR#"$ROOT"/} failed"
}
