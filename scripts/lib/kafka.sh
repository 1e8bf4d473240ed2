# shellcheck shell=bash
# The local Kafka: one JVM per node running KRaft as broker and controller at
# once, from the jars ./dev setup copied into .local/kafka/libs. One node by
# default; KAFKA_NODES=3 (./dev up --brokers 3, ./dev chaos --brokers 3) makes
# a cluster of three on loopback, every node a voter of the controller
# quorum, topics with 3 replicas and min.insync.replicas=2.
#
# Node i listens on KAFKA_PORT + 2(i-1) (broker) and the port after it
# (controller). State of one node under .local/<env>/kafka, of node i of a
# cluster under .local/<env>/kafka-<i>: server.properties (from the
# template), data/ (log.dirs, formatted on first start with the cluster id
# every node shares), logs/ (server.log, controller.log, state-change.log,
# gc.log, stdout.log), kafka.pid. .local/<env>/kafka.nodes remembers how
# many nodes the environment was started with, for status, down and logs.

KAFKA_TEMPLATE_DIR=$ROOT/deploy/local/kafka
KAFKA_LIBS=$ROOT/.local/kafka/libs
KAFKA_READY_TIMEOUT=90
KAFKA_STOP_GRACE=30
KAFKA_CLUSTER_HEAP="-Xms128m -Xmx384m" # per node of a cluster

# How many nodes: $1 (from --brokers) when given, else what the environment
# was started with, else one. Sets KAFKA_NODES and KAFKA_BROKERS, the
# bootstrap list of every node. env_load calls it.
kafka_nodes_init() {
	local want=${1:-} file=$STATE_DIR/kafka.nodes i
	if [[ -z $want && -r $file ]]; then
		want=$(<"$file")
	fi
	[[ ${want:-1} =~ ^[13]$ ]] || die "kafka: 1 or 3 brokers, not '$want'"
	KAFKA_NODES=${want:-1}
	KAFKA_BROKERS=
	for ((i = 1; i <= KAFKA_NODES; i++)); do
		KAFKA_BROKERS+=${KAFKA_BROKERS:+,}127.0.0.1:$(kafka_node_port "$i")
	done
	((KAFKA_NODES == 1)) || KAFKA_HEAP=$KAFKA_CLUSTER_HEAP
}

kafka_node_port() { printf '%s' "$((KAFKA_PORT + 2 * (${1:-1} - 1)))"; }
kafka_controller_port() { printf '%s' "$(($(kafka_node_port "$1") + 1))"; }
kafka_nodes() { seq 1 "$KAFKA_NODES"; }
kafka_name() {
	if ((KAFKA_NODES == 1)); then printf kafka; else printf 'kafka-%s' "${1:-1}"; fi
}
kafka_dir() { printf '%s/%s' "$STATE_DIR" "$(kafka_name "${1:-1}")"; }
kafka_pidfile() { printf '%s/kafka.pid' "$(kafka_dir "${1:-1}")"; }
kafka_props() { printf '%s/server.properties' "$(kafka_dir "${1:-1}")"; }
kafka_log() { printf '%s/logs/server.log' "$(kafka_dir "${1:-1}")"; }
kafka_node_running() { pid_alive "$(kafka_pidfile "$1")" "$(kafka_props "$1")"; }
topics_tool() { printf '%s/tools/cdp-topics' "$BUILD_DIR"; }

# True when any node of the environment runs.
kafka_running() {
	local i
	for i in $(kafka_nodes); do
		kafka_node_running "$i" && return 0
	done
	return 1
}

# cdp-topics answers "is the broker up"; build it if this environment's
# build does not have it yet.
topics_tool_ensure() {
	[[ -x $(topics_tool) ]] && return 0
	msg "building cdp-topics in ${BUILD_DIR#"$ROOT"/}"
	cmake_build cdp-topics
}

# controller.quorum.voters: every node, id@host:controller-port.
kafka_voters() {
	local i v=
	for i in $(kafka_nodes); do
		v+=${v:+,}$i@127.0.0.1:$(kafka_controller_port "$i")
	done
	printf '%s' "$v"
}

kafka_render_props() {
	local i=$1 dir replicas=1 min_isr=1
	dir=$(kafka_dir "$i")
	((KAFKA_NODES >= 3)) && replicas=3 min_isr=2
	sed -e "s|@ENV@|$ENV_NAME|g" \
		-e "s|@STATE_DIR@|${dir#"$ROOT"/}|g" \
		-e "s|@NODE_ID@|$i|g" -e "s|@NODES@|$KAFKA_NODES|g" \
		-e "s|@VOTERS@|$(kafka_voters)|g" \
		-e "s|@BROKER_PORT@|$(kafka_node_port "$i")|g" \
		-e "s|@CONTROLLER_PORT@|$(kafka_controller_port "$i")|g" \
		-e "s|@DATA_DIR@|$dir/data|g" \
		-e "s|@REPLICAS@|$replicas|g" -e "s|@MIN_ISR@|$min_isr|g" \
		"$KAFKA_TEMPLATE_DIR/server.properties.in" >"$(kafka_props "$i")"
}

# A cluster id as Kafka makes them: 16 random bytes in URL-safe base64
# without padding, never starting with '-' (it would read as an option).
kafka_cluster_id() {
	local id
	while :; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
		[[ $id != -* ]] && break
	done
	printf '%s' "$id"
}

# Options every java run of node $1's classes shares: the class path and
# our logging configuration, which writes under its logs/.
kafka_java_opts() {
	KAFKA_JAVA_OPTS=(
		-Dlog4j.configuration="file:$KAFKA_TEMPLATE_DIR/log4j.properties"
		-Dkafka.logs.dir="$(kafka_dir "$1")/logs"
		-cp "$KAFKA_LIBS/*"
	)
}

# The cluster id of the environment: the one a formatted node already has,
# else a new one, so every node of a cluster is formatted with the same.
kafka_env_cluster_id() {
	local i
	for i in $(kafka_nodes); do
		if [[ -s $(kafka_dir "$i")/cluster.id ]]; then
			cat "$(kafka_dir "$i")/cluster.id"
			return 0
		fi
	done
	kafka_cluster_id
}

# Formats a node's storage once; a formatted data dir keeps its cluster id.
kafka_format() {
	local i=$1 id=$2 dir t0=$EPOCHREALTIME
	dir=$(kafka_dir "$i")
	[[ -f $dir/data/meta.properties ]] && return 0
	kafka_java_opts "$i"
	java "${KAFKA_JAVA_OPTS[@]}" kafka.tools.StorageTool format \
		-t "$id" -c "$(kafka_props "$i")" >>"$dir/logs/format.log" 2>&1 ||
		die_log "$dir/logs/format.log" "formatting kafka storage failed"
	printf '%s\n' "$id" >"$dir/cluster.id"
	msg "$(kafka_name "$i") ($ENV_NAME): formatted ${dir#"$ROOT"/}/data," \
		"cluster id $id, in $(elapsed "$t0")"
}

kafka_launch() {
	local i=$1 logs
	logs=$(kafka_dir "$i")/logs
	kafka_java_opts "$i"
	# shellcheck disable=SC2086 # KAFKA_HEAP is two options
	spawn "$(kafka_pidfile "$i")" "$logs/stdout.log" \
		java $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true \
		"-Xlog:gc*:file=$logs/gc.log:time,tags:filecount=5,filesize=10M" \
		"${KAFKA_JAVA_OPTS[@]}" kafka.Kafka "$(kafka_props "$i")"
}

# Waits until node $1 answers a metadata request on its own port; a node
# that exits or stays silent ends ./dev with the tail of its log.
kafka_wait_ready() {
	local i=$1 deadline=$((SECONDS + KAFKA_READY_TIMEOUT)) tool port name
	tool=$(topics_tool) port=$(kafka_node_port "$i") name=$(kafka_name "$i")
	while :; do
		kafka_node_running "$i" || {
			show_tail "$(kafka_dir "$i")/logs/stdout.log" 10
			die_log "$(kafka_log "$i")" "$name ($ENV_NAME) exited while starting"
		}
		if port_open "$port" &&
			"$tool" -b "127.0.0.1:$port" --wait -t 2 2>/dev/null; then
			return 0
		fi
		((SECONDS < deadline)) ||
			die_log "$(kafka_log "$i")" "$name ($ENV_NAME) did not answer on" \
				"127.0.0.1:$port within ${KAFKA_READY_TIMEOUT}s"
		sleep 0.2
	done
}

# Refuses to start with another node count than the running nodes have.
kafka_nodes_check() {
	local file=$STATE_DIR/kafka.nodes have
	[[ -r $file ]] || return 0
	have=$(<"$file")
	[[ $have == "$KAFKA_NODES" ]] && return 0
	(
		kafka_nodes_init "$have"
		! kafka_running
	) || die "kafka ($ENV_NAME) runs with $have broker(s):" \
		"./dev down $ENV_NAME first"
}

# Starts the nodes of the loaded environment that do not run (all of them
# before waiting for any: a node of a cluster needs a majority of the
# quorum) and waits until each answers; leaves running ones alone.
kafka_start() {
	local t0=$EPOCHREALTIME i id started=()
	kafka_nodes_check
	for i in $(kafka_nodes); do
		kafka_node_running "$i" || started+=("$i")
	done
	if ((${#started[@]} == 0)); then
		msg "kafka ($ENV_NAME): already running on $KAFKA_BROKERS"
		return 0
	fi
	kafka_libs_present || die "kafka jars missing: run ./dev setup"
	for i in "${started[@]}"; do
		port_free_or_die "$(kafka_node_port "$i")" "$(kafka_name "$i") ($ENV_NAME)"
		port_free_or_die "$(kafka_controller_port "$i")" \
			"$(kafka_name "$i") ($ENV_NAME) controller"
	done
	topics_tool_ensure
	mkdir -p "$STATE_DIR"
	printf '%s\n' "$KAFKA_NODES" >"$STATE_DIR/kafka.nodes"
	id=$(kafka_env_cluster_id)
	for i in "${started[@]}"; do
		mkdir -p "$(kafka_dir "$i")/logs" "$(kafka_dir "$i")/data"
		kafka_render_props "$i"
		kafka_format "$i" "$id"
		kafka_launch "$i"
	done
	for i in "${started[@]}"; do kafka_wait_ready "$i"; done
	msg "kafka ($ENV_NAME): ready on $KAFKA_BROKERS in $(elapsed "$t0")"
}

# Starts node $1 alone (a cluster's node after kafka_node_kill) and waits.
kafka_node_start() {
	local i=$1
	kafka_node_running "$i" && return 0
	port_free_or_die "$(kafka_node_port "$i")" "$(kafka_name "$i") ($ENV_NAME)"
	kafka_render_props "$i"
	kafka_launch "$i"
	kafka_wait_ready "$i"
}

# Stops node $1 (it shuts down cleanly on SIGTERM), keeping its data.
kafka_node_stop() {
	stop_pid "$(kafka_pidfile "$1")" "$(kafka_props "$1")" "$KAFKA_STOP_GRACE" \
		"$(kafka_name "$1") ($ENV_NAME)"
}

# SIGKILLs node $1, as a crash would, and waits until it is gone.
kafka_node_kill() {
	local i=$1 pid n
	kafka_node_running "$i" || return 0
	pid=$(<"$(kafka_pidfile "$i")")
	kill -KILL "$pid" 2>/dev/null || true
	# Reaps it when this shell started it, without bash's "Killed" line.
	wait "$pid" 2>/dev/null || true
	for ((n = 0; n < 50; n++)); do
		[[ -d /proc/$pid ]] || break
		sleep 0.1
	done
	rm -f "$(kafka_pidfile "$i")"
}

# Stops every node at once, keeping their data: one by one, the last ones
# would wait for a controller quorum that has already gone.
kafka_stop() {
	local t0=$EPOCHREALTIME i pids=()
	kafka_running || return 0
	for i in $(kafka_nodes); do
		kafka_node_stop "$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	msg "kafka ($ENV_NAME): stopped in $(elapsed "$t0")"
}

# Creates every topic of config/topics.conf (existing ones are kept), with
# 3 replicas on a cluster (min.insync.replicas=2 is the brokers' default).
kafka_create_topics() {
	local t0=$EPOCHREALTIME out
	local replicas=()
	((KAFKA_NODES >= 3)) && replicas=(-r 3)
	if ! out=$("$(topics_tool)" -b "$KAFKA_BROKERS" --wait -t 60 \
		"${replicas[@]}" -f "$ROOT/config/topics.conf" 2>&1); then
		printf '%s\n' "$out" >&2
		die "creating topics on $KAFKA_BROKERS failed"
	fi
	msg "kafka ($ENV_NAME): $(printf '%s\n' "$out" | tail -n 1 |
		sed -n 's/.*"msg":"\([^"]*\)".*/\1/p') in $(elapsed "$t0")"
}
