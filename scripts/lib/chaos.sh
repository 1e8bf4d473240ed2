# shellcheck shell=bash
# ./dev chaos [SECONDS] [--seed N] [--brokers 1|3] (docs/reliability.md,
# Faults): a stack of its own (Kafka 127.0.0.1:24092, Redis 127.0.0.1:23380,
# state in .local/chaos; ports and state moved by CDP_TEST_PORT_OFFSET when
# set, config/chaos.env) with two instances of every daemon, complaints
# filed at a steady rate through intake by cdp-chaos, and at seeded random
# moments: every instance SIGKILLed several times, Kafka restarted once,
# Redis restarted once and wiped (FLUSHALL) once. With --brokers 3 Kafka is
# a cluster of three (scripts/lib/kafka.sh): its restart is a rolling
# restart of one broker, and besides it one broker is SIGKILLed and started
# again CHAOS_BROKER_DOWN seconds later, never two down at once. A
# supervisor loop starts again whatever is not running, as systemd or
# Kubernetes would. After the filing ends and everything has caught up,
# cdp-chaos prints the run's one line and the exit status says whether
# anything was lost, applied twice or missed.

CHAOS_RATE=${CHAOS_RATE:-4}		# complaints a second
CHAOS_REPLICAS=2
CHAOS_KILLS=3				# SIGKILLs of each instance
CHAOS_SETTLE_TIMEOUT=180		# seconds to catch up after the run
CHAOS_CLOCK_WAIT=20			# then for the last clocks to fall due
CHAOS_BROKER_DOWN=20			# + up to as much: a killed broker's time down
CHAOS_FILE_KEY=dev-app
CHAOS_READ_KEY=dev-admin

chaos_options() {
	CHAOS_SECONDS=240 CHAOS_SEED=$(($(date +%s) % 100000))
	KAFKA_NODES_WANTED=1 # not what an earlier run was started with
	while (($# > 0)); do
		case $1 in
		--seed)
			[[ ${2:-} =~ ^[0-9]+$ ]] || die "chaos: --seed needs a number"
			CHAOS_SEED=$2
			shift 2
			;;
		--brokers)
			[[ ${2:-} =~ ^[13]$ ]] || die "chaos: --brokers needs 1 or 3"
			KAFKA_NODES_WANTED=$2
			shift 2
			;;
		[0-9]*)
			[[ $1 =~ ^[0-9]+$ && $1 -ge 30 ]] ||
				die "chaos: SECONDS must be a number of at least 30"
			CHAOS_SECONDS=$1
			shift
			;;
		*) die "usage: ./dev chaos [SECONDS] [--seed N] [--brokers 1|3]" ;;
		esac
	done
}

chaos_recv_addr() {
	printf '127.0.0.1:%s' "$((20099 + KAFKA_PORT - 24092))"
}
chaos_recv_pidfile() { printf '%s/run/cdp-chaos-recv.pid' "$STATE_DIR"; }
chaos_filer_pidfile() { printf '%s/run/cdp-chaos-file.pid' "$STATE_DIR"; }
chaos_tool() { printf '%s/tools/cdp-chaos' "$BUILD_DIR"; }

# The daemons' settings that depend on where this run's ports are.
chaos_write_env() {
	mkdir -p "$STATE_DIR"
	sed "s|@RECV@|$(chaos_recv_addr)|" "$ROOT/config/chaos-merchants.conf" \
		>"$STATE_DIR/merchants.conf"
	cat >"$STATE_DIR/ports.env" <<-EOT
		KAFKA_BROKERS=$KAFKA_BROKERS
		REDIS_ADDR=$REDIS_ADDR
		NOTIFIER_MERCHANTS_FILE=$STATE_DIR/merchants.conf
		NOTIFIER_PROVIDER_URL=http://$(chaos_recv_addr)/send
	EOT
}

chaos_instances() {
	local d
	for d in "${DAEMONS[@]}"; do daemon_instances "$d"; done
}

# Stops whatever of a chaos run still runs (also the EXIT trap).
chaos_stop() {
	stop_pid "$(chaos_filer_pidfile)" cdp-chaos 5 "cdp-chaos file"
	daemons_stop >/dev/null
	stop_pid "$(chaos_recv_pidfile)" cdp-chaos 5 "cdp-chaos recv"
	redis_stop >/dev/null
	kafka_stop >/dev/null
}

chaos_start() {
	# Leftovers with as many brokers as they were started with.
	(
		kafka_nodes_init ''
		chaos_stop
	)
	chaos_stop
	rm -rf "$STATE_DIR"
	chaos_write_env
	kafka_start
	redis_start
	kafka_create_topics
	spawn "$(chaos_recv_pidfile)" "$STATE_DIR/logs/cdp-chaos-recv.log" \
		"$(chaos_tool)" recv -l "$(chaos_recv_addr)"
	daemons_start >/dev/null
	msg "chaos: ${CHAOS_REPLICAS} instances of each daemon up"
}

# The faults, one a line: "<second> <what>", sorted, from the seed.
chaos_plan() {
	local inst k span=$((CHAOS_SECONDS * 8 / 10)) lead=$((CHAOS_SECONDS / 10))
	local kafka_restart_at
	{
		RANDOM=$CHAOS_SEED # in the subshell: bash reseeds subshells
		for inst in $(chaos_instances); do
			for ((k = 0; k < CHAOS_KILLS; k++)); do
				echo "$((lead + RANDOM % span)) kill $inst"
			done
		done
		kafka_restart_at=$((lead + RANDOM % span))
		((KAFKA_NODES == 1)) && echo "$kafka_restart_at kafka-restart"
		echo "$((lead + RANDOM % span)) redis-restart"
		echo "$((lead + RANDOM % span)) redis-flushall"
		((KAFKA_NODES == 1)) || chaos_plan_brokers "$lead" "$span"
	} | sort -n
}

# A cluster's faults, drawn after a single broker's so that a seed plans the
# same daemon kills either way: one broker SIGKILLed in the first half, up
# again CHAOS_BROKER_DOWN to twice that later, then another one restarted
# (the faults run one after the other: never two brokers down at once).
chaos_plan_brokers() {
	local lead=$1 span=$2 kill_at revive_at room
	kill_at=$((lead + RANDOM % (span / 2)))
	revive_at=$((kill_at + CHAOS_BROKER_DOWN + RANDOM % CHAOS_BROKER_DOWN))
	room=$((lead + span - revive_at))
	((room > 0)) || room=1
	echo "$kill_at kafka-kill $((1 + RANDOM % KAFKA_NODES))"
	echo "$revive_at kafka-revive"
	echo "$((revive_at + 5 + RANDOM % room)) kafka-restart $((1 + RANDOM % KAFKA_NODES))"
}

chaos_fault() {
	local what=$1 inst=${2:-} pid
	case $what in
	kill)
		daemon_running "$inst" || return 0
		pid=$(<"$(daemon_pidfile "$inst")")
		kill -KILL "$pid" 2>/dev/null || true
		;;
	kafka-restart)
		if [[ -n $inst ]]; then
			kafka_node_stop "$inst"
			kafka_node_start "$inst"
		else
			kafka_stop >/dev/null
			kafka_start >/dev/null
		fi
		;;
	kafka-kill)
		kafka_node_kill "$inst"
		;;
	kafka-revive)
		kafka_start >/dev/null # whichever broker is down
		;;
	redis-restart)
		redis_stop >/dev/null
		redis_start >/dev/null
		;;
	redis-flushall)
		redis-cli -h 127.0.0.1 -p "$REDIS_PORT" FLUSHALL >/dev/null
		;;
	esac
	msg "chaos: $(printf '%4ss' "$((SECONDS - CHAOS_T0))") $(date -u +%T) $what $inst"
}

# The supervisor: starts again every instance that is not running. One
# whose port another program took meanwhile is tried again on the next
# round, not the end of the run.
chaos_supervise() {
	local inst
	for inst in $(chaos_instances); do
		daemon_running "$inst" || (daemon_start "$inst") ||
			warn "chaos: $inst not started; trying again"
	done
}

chaos_run_faults() {
	local at what inst
	while read -r at what inst; do
		while ((SECONDS - CHAOS_T0 < at)); do
			chaos_supervise
			sleep 0.5
		done
		chaos_fault "$what" "$inst"
	done < <(chaos_plan)
	while pid_alive "$(chaos_filer_pidfile)" cdp-chaos; do
		chaos_supervise
		sleep 0.5
	done
	chaos_supervise
}

# Waits until every instance is ready and no group lags behind.
chaos_settle() {
	local deadline=$((SECONDS + CHAOS_SETTLE_TIMEOUT)) inst ok lag
	while ((SECONDS < deadline)); do
		chaos_supervise
		ok=1
		for inst in $(chaos_instances); do
			curl -fsS -o /dev/null --max-time 2 \
				"http://$(daemon_admin_listen "$inst")/readyz" 2>/dev/null ||
				ok=0
		done
		lag=$("$BUILD_DIR/tools/cdp-ops" -b "$KAFKA_BROKERS" lag 2>/dev/null |
			awk 'NR > 1 { s += $NF } END { print s + 0 }') || lag=1
		((ok && lag == 0)) && return 0
		sleep 1
	done
	warn "chaos: not caught up within ${CHAOS_SETTLE_TIMEOUT}s (lag $lag)"
}

cmd_chaos() {
	local rc=0 accepted
	chaos_options "$@"
	# The daemons find their default config files from the repository,
	# wherever this was started (ctest starts it in build-test/tests).
	cd "$ROOT"
	setup
	env_load chaos
	cmake_build >/dev/null
	DAEMON_REPLICAS=$CHAOS_REPLICAS DAEMON_ENV_FILE=$ROOT/config/chaos.env
	DAEMON_PORT_SHIFT=$((12000 + KAFKA_PORT - 24092))
	# Instances 50 ports apart, not 100: with offsets of 100 between work
	# trees, a second instance would take the next tree's first's ports.
	DAEMON_INSTANCE_STEP=50
	DAEMONS_ENV_EXTRA=$STATE_DIR/ports.env
	trap chaos_stop EXIT
	trap 'exit 130' INT TERM
	chaos_start
	accepted=$STATE_DIR/accepted.tsv
	msg "chaos: ${CHAOS_SECONDS}s, seed $CHAOS_SEED, $CHAOS_RATE complaints/s," \
		"$KAFKA_NODES broker(s) on $KAFKA_BROKERS"
	CHAOS_T0=$SECONDS
	spawn "$(chaos_filer_pidfile)" "$STATE_DIR/logs/cdp-chaos-file.log" \
		"$(chaos_tool)" file -u "http://$(daemon_listen intake-1)" \
		-u "http://$(daemon_listen intake-2)" -k "$CHAOS_FILE_KEY" \
		-r "$CHAOS_RATE" -s "$CHAOS_SECONDS" --seed "$CHAOS_SEED" \
		-o "$accepted"
	chaos_run_faults
	msg "chaos: filing done; waiting for every group to catch up"
	chaos_settle
	sleep "$CHAOS_CLOCK_WAIT"
	"$(chaos_tool)" verdict -b "$KAFKA_BROKERS" -a "$accepted" \
		-u "http://$(daemon_listen intake-1)" -k "$CHAOS_READ_KEY" ||
		rc=$?
	chaos_stop
	trap - EXIT INT TERM
	return "$rc"
}
