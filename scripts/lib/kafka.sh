# shellcheck shell=bash
# The local Kafka broker: one JVM per environment running KRaft as broker and
# controller at once, from the jars ./dev setup copied into .local/kafka/libs.
# State under .local/<env>/kafka: server.properties (from the template),
# data/ (log.dirs, formatted on first start), logs/ (server.log,
# controller.log, state-change.log, gc.log, stdout.log), kafka.pid.

KAFKA_TEMPLATE_DIR=$ROOT/deploy/local/kafka
KAFKA_LIBS=$ROOT/.local/kafka/libs
KAFKA_READY_TIMEOUT=90
KAFKA_STOP_GRACE=30

kafka_dir() { printf '%s/kafka' "$STATE_DIR"; }
kafka_pidfile() { printf '%s/kafka/kafka.pid' "$STATE_DIR"; }
kafka_props() { printf '%s/kafka/server.properties' "$STATE_DIR"; }
kafka_log() { printf '%s/kafka/logs/server.log' "$STATE_DIR"; }
kafka_running() { pid_alive "$(kafka_pidfile)" "$(kafka_props)"; }
topics_tool() { printf '%s/tools/cdp-topics' "$BUILD_DIR"; }

# cdp-topics answers "is the broker up"; build it if this environment's
# build does not have it yet.
topics_tool_ensure() {
	[[ -x $(topics_tool) ]] && return 0
	msg "building cdp-topics in ${BUILD_DIR#"$ROOT"/}"
	cmake_build cdp-topics
}

kafka_render_props() {
	local dir
	dir=$(kafka_dir)
	sed -e "s|@ENV@|$ENV_NAME|g" \
		-e "s|@STATE_DIR@|${dir#"$ROOT"/}|g" \
		-e "s|@BROKER_PORT@|$KAFKA_PORT|g" \
		-e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
		-e "s|@DATA_DIR@|$dir/data|g" \
		"$KAFKA_TEMPLATE_DIR/server.properties.in" >"$(kafka_props)"
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

# Options every java run of the broker's classes shares: the class path and
# our logging configuration, which writes under logs/.
kafka_java_opts() {
	KAFKA_JAVA_OPTS=(
		-Dlog4j.configuration="file:$KAFKA_TEMPLATE_DIR/log4j.properties"
		-Dkafka.logs.dir="$(kafka_dir)/logs"
		-cp "$KAFKA_LIBS/*"
	)
}

# Formats the storage once; a formatted data dir keeps its cluster id.
kafka_format() {
	local dir id t0=$EPOCHREALTIME
	dir=$(kafka_dir)
	[[ -f $dir/data/meta.properties ]] && return 0
	id=$(kafka_cluster_id)
	kafka_java_opts
	java "${KAFKA_JAVA_OPTS[@]}" kafka.tools.StorageTool format \
		-t "$id" -c "$(kafka_props)" >>"$dir/logs/format.log" 2>&1 ||
		die_log "$dir/logs/format.log" "formatting kafka storage failed"
	printf '%s\n' "$id" >"$dir/cluster.id"
	msg "kafka ($ENV_NAME): formatted ${dir#"$ROOT"/}/data, cluster id $id," \
		"in $(elapsed "$t0")"
}

kafka_launch() {
	local logs
	logs=$(kafka_dir)/logs
	kafka_java_opts
	# shellcheck disable=SC2086 # KAFKA_HEAP is two options
	spawn "$(kafka_pidfile)" "$logs/stdout.log" \
		java $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true \
		"-Xlog:gc*:file=$logs/gc.log:time,tags:filecount=5,filesize=10M" \
		"${KAFKA_JAVA_OPTS[@]}" kafka.Kafka "$(kafka_props)"
}

# Waits until the broker answers a metadata request; a broker that exits or
# stays silent ends ./dev with the tail of its log.
kafka_wait_ready() {
	local deadline=$((SECONDS + KAFKA_READY_TIMEOUT)) tool
	tool=$(topics_tool)
	while :; do
		kafka_running || {
			show_tail "$(kafka_dir)/logs/stdout.log" 10
			die_log "$(kafka_log)" "kafka ($ENV_NAME) exited while starting"
		}
		if port_open "$KAFKA_PORT" &&
			"$tool" -b "$KAFKA_BROKERS" --wait -t 2 2>/dev/null; then
			return 0
		fi
		((SECONDS < deadline)) ||
			die_log "$(kafka_log)" "kafka ($ENV_NAME) did not answer on" \
				"$KAFKA_BROKERS within ${KAFKA_READY_TIMEOUT}s"
		sleep 0.2
	done
}

# Starts the broker of the loaded environment and waits until it answers;
# leaves a running one alone.
kafka_start() {
	local t0=$EPOCHREALTIME
	if kafka_running; then
		msg "kafka ($ENV_NAME): already running on $KAFKA_BROKERS"
		return 0
	fi
	kafka_libs_present || die "kafka jars missing: run ./dev setup"
	port_free_or_die "$KAFKA_PORT" "kafka ($ENV_NAME)"
	port_free_or_die "$KAFKA_CONTROLLER_PORT" "kafka ($ENV_NAME) controller"
	topics_tool_ensure
	mkdir -p "$(kafka_dir)/logs" "$(kafka_dir)/data"
	kafka_render_props
	kafka_format
	kafka_launch
	kafka_wait_ready
	msg "kafka ($ENV_NAME): ready on $KAFKA_BROKERS in $(elapsed "$t0")"
}

# Stops the broker (it shuts down cleanly on SIGTERM), keeping its data.
kafka_stop() {
	local t0=$EPOCHREALTIME
	kafka_running || return 0
	stop_pid "$(kafka_pidfile)" "$(kafka_props)" "$KAFKA_STOP_GRACE" \
		"kafka ($ENV_NAME)"
	msg "kafka ($ENV_NAME): stopped in $(elapsed "$t0")"
}

# Creates every topic of config/topics.conf (existing ones are kept).
kafka_create_topics() {
	local t0=$EPOCHREALTIME out
	if ! out=$("$(topics_tool)" -b "$KAFKA_BROKERS" --wait -t 60 \
		-f "$ROOT/config/topics.conf" 2>&1); then
		printf '%s\n' "$out" >&2
		die "creating topics on $KAFKA_BROKERS failed"
	fi
	msg "kafka ($ENV_NAME): $(printf '%s\n' "$out" | tail -n 1 |
		sed -n 's/.*"msg":"\([^"]*\)".*/\1/p') in $(elapsed "$t0")"
}
