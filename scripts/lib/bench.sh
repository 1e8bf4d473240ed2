# shellcheck shell=bash
# ./dev bench (issue 15, docs/performance.md): the benchmarks on the bench
# environment (env_load bench: Kafka 127.0.0.1:29092, Redis :26380, daemons
# on 28080-28090 with config/bench.env, state in .local/bench, removed at
# each start). Every figure is a RESULT row (bench/result.h) beside a
# baseline measured in the same run; the rows become the table of
# bench/results/<date>.md.

BENCH_SINK_PORT=28099 # evhttp_bare: wrk's baseline and the notifier's provider
BENCH_CATCHUP_S=5     # the issue's "every consumer caught up within 5 s"
BENCH_SCALED=(classifier sla-timer) # item 7: run with 1 and 2 instances

bench_tool() { printf '%s/bench/%s' "$BUILD_DIR" "$1"; }

# key=value out of a line of loadgen, eventlag, kafka_hop or wrk.
bench_field() { grep -o "\b$1=[^ ]*" <<<"$2" | head -n 1 | cut -d= -f2; }

bench_median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0;
		else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# RESULT figure value unit baseline baseline_value ratio goal verdict
bench_row() {
	printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" |
		tee -a "$BENCH_ROWS"
}

# value / baseline with three digits, 0 when the baseline is missing.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3g", (b > 0 ? a / b : 0) }'
}

# "met" when awk's condition on v holds.
bench_verdict() {
	awk -v v="$1" "BEGIN { exit !($2) }" && echo met || echo missed
}

# Runs "$@" as one section of the bench and records its wall time, printed
# at once and tabulated in the report ("time per section"): the whole bench
# has to stay under 15 minutes (issue 15), and this shows where they go.
bench_timed() {
	local name=$1 t0=$EPOCHREALTIME
	shift
	"$@"
	bench_time_row "$name" "$(bench_since "$t0")"
}

# Seconds since $1 (an $EPOCHREALTIME), with one decimal and no unit:
# common.sh's elapsed without its "s", for the table's numbers.
bench_since() {
	local s
	s=$(elapsed "$1")
	printf '%s' "${s%s}"
}

bench_time_row() {
	msg "bench: $1 took $2 s"
	printf '%s\t%s\n' "$1" "$2" >>"$BENCH_TIMES"
}

# Sorts the lines of a part's script: RESULT rows to BENCH_ROWS, TIME
# lines (a step of the part and its seconds) to BENCH_TIMES.
bench_collect() {
	awk -F'\t' -v rows="$BENCH_ROWS" -v times="$BENCH_TIMES" '
		$1 == "RESULT" { print >>rows }
		$1 == "TIME" { print $2 "\t" $3 >>times }'
}

# Sum of the consumer lag of every service's group (cdp-ops lag).
bench_lag_total() {
	"$BUILD_DIR/tools/cdp-ops" -b "$KAFKA_BROKERS" lag 2>/dev/null |
		awk -F'\t' 'NR > 1 { s += $5 } END { print s + 0 }'
}

# Waits up to $1 seconds for every group to be caught up; 1 if it is not.
bench_wait_caught_up() {
	local deadline=$((SECONDS + $1))
	while (($(bench_lag_total) > 0)); do
		((SECONDS < deadline)) || return 1
		sleep 0.5
	done
}

bench_fresh_env() {
	env_load bench
	daemons_stop >/dev/null
	bench_sink_stop
	kafka_stop
	redis_stop
	rm -rf "$STATE_DIR"
	kafka_start
	redis_start
	kafka_create_topics
}

bench_sink_start() {
	spawn "$STATE_DIR/run/evhttp_bare.pid" "$STATE_DIR/logs/evhttp_bare.log" \
		"$(bench_tool evhttp_bare)" -l "127.0.0.1:$BENCH_SINK_PORT"
}

bench_sink_stop() {
	stop_pid "$STATE_DIR/run/evhttp_bare.pid" evhttp_bare 5 evhttp_bare
}

# One open-loop run at rate $1 for $2 s, then up to BENCH_CATCHUP_S for
# the consumers; prints loadgen's and eventlag's lines on one line and
# returns 1 when the rate was not sustained (then it waits longer, up to
# 90 s, for the events to be complete).
bench_try_rate() {
	local rate=$1 secs=$2 load events start end ok=0
	load=$("$(bench_tool loadgen)" -u "$(daemon_listen intake)" \
		-r "$rate" -d "$secs" -s "$RANDOM") || ok=1
	bench_wait_caught_up "$BENCH_CATCHUP_S" || ok=1
	# Read the events only once every complaint of the run went through,
	# or the slowest would be missing from the percentiles.
	((ok == 0)) || bench_wait_caught_up 90 || true
	start=$(bench_field start_ms "$load") end=$(bench_field end_ms "$load")
	events=$("$(bench_tool eventlag)" -b "$KAFKA_BROKERS" -f "$start" \
		-t "$end")
	printf '%s %s caught_up=%s\n' "$load" "$events" \
		"$( ((ok == 0)) && echo yes || echo no)"
	return "$ok"
}

# The highest rate sustained, in BENCH_HELD: doubling from BENCH_RATE0
# while it holds, halving (down to BENCH_RATE_MIN) while it does not, then
# one step halfway between the last rate held and the first that was not.
# A failed step drains before the next one. BENCH_HELD_LINE is the step
# run at BENCH_HELD: a run at that rate from a drained pipeline, as the
# throughput runs are, so it is the first of them (bench_throughput).
bench_search_rate() {
	local rate=$BENCH_RATE0 fail=0 line
	BENCH_HELD=0 BENCH_HELD_LINE=
	while ((rate <= BENCH_RATE_MAX && rate >= BENCH_RATE_MIN)); do
		if line=$(bench_try_rate "$rate" "$BENCH_SECS"); then
			BENCH_HELD=$rate BENCH_HELD_LINE=$line
			msg "bench: $rate/s sustained"
			((fail == 0)) || break
			rate=$((rate * 2))
		else
			fail=$rate
			msg "bench: $rate/s not sustained: $line"
			bench_wait_caught_up 120 || true
			((BENCH_HELD == 0)) || break
			rate=$((rate / 2))
		fi
	done
	rate=$(((BENCH_HELD + fail) / 2))
	if ((fail > 0 && BENCH_HELD > 0 && fail > BENCH_HELD + 1)); then
		if line=$(bench_try_rate "$rate" "$BENCH_SECS"); then
			BENCH_HELD=$rate BENCH_HELD_LINE=$line
			msg "bench: $rate/s sustained"
		else
			msg "bench: $rate/s not sustained: $line"
		fi
	fi
	bench_wait_caught_up 120 || true
}

# A few complaints before the search, not measured: the broker's JIT and
# the daemons' first connections. Nothing reads their events back.
bench_warm_up() {
	"$(bench_tool loadgen)" -u "$(daemon_listen intake)" -r 50 -d 3 \
		-s "$RANDOM" >/dev/null || true
	bench_wait_caught_up 60 || true
}

bench_find_rate() {
	bench_warm_up
	msg "bench: pipeline: searching the sustained rate"
	bench_search_rate
}

bench_hop() {
	"$(bench_tool kafka_hop)" -b "$KAFKA_BROKERS" "$@" 2>/dev/null |
		tail -n 1
}

# Item 1: throughput at the rate found (BENCH_HELD) against the bare hop.
# Nothing held even at the lowest rate: the runs go at that rate
# (BENCH_RATE), and the rate sustained is reported as 0.
bench_throughput() {
	local i line hop tput=() hops=() v b
	BENCH_RATE=$((BENCH_HELD > 0 ? BENCH_HELD : BENCH_RATE_MIN))
	for ((i = 1; i <= BENCH_RUNS; i++)); do
		# The search's run at this rate is the first: not run twice.
		if ((i == 1)) && [[ -n $BENCH_HELD_LINE ]]; then
			line=$BENCH_HELD_LINE
		else
			line=$(bench_try_rate "$BENCH_RATE" "$BENCH_SECS") || true
		fi
		hop=$(bench_hop -n "$BENCH_HOP_N")
		printf 'run %d: %s\n  %s\n' "$i" "$line" "$hop"
		tput+=("$(bench_field events_per_s "$line")")
		hops+=("$(bench_field msgs_per_s "$hop")")
		bench_wait_caught_up 120 || true
	done
	v=$(printf '%s\n' "${tput[@]}" | bench_median)
	b=$(printf '%s\n' "${hops[@]}" | bench_median)
	bench_row pipeline.events_per_s "$v" events/s kafka_hop.msgs_per_s \
		"$b" "$(bench_ratio "$v" "$b")" ">=0.25" \
		"$(bench_verdict "$(bench_ratio "$v" "$b")" 'v >= 0.25')"
	bench_row pipeline.complaints_per_s "$BENCH_HELD" complaints/s - 0 0 \
		">=5000/s" "$(bench_verdict "$BENCH_HELD" 'v >= 5000')"
}

# Item 2: latency at half the rate of the throughput runs, beside the bare
# hop's p99 at the same rate.
bench_latency() {
	local half i line hop lat=() hop99=() b
	half=$((BENCH_RATE / 2 > 0 ? BENCH_RATE / 2 : 1))
	msg "bench: pipeline: latency at $half/s"
	for ((i = 1; i <= BENCH_RUNS; i++)); do
		line=$(bench_try_rate "$half" "$BENCH_SECS") || true
		hop=$(bench_hop -n $((half * BENCH_SECS)) -r "$half")
		printf 'run %d: %s\n  %s\n' "$i" "$line" "$hop"
		lat+=("$line")
		hop99+=("$(bench_field p99_ms "$hop")")
		bench_wait_caught_up 120 || true
	done
	b=$(printf '%s\n' "${hop99[@]}" | bench_median)
	bench_latency_row intake.202_p50_ms p50_ms "$b" '<20ms' 'v < 20'
	bench_latency_row intake.202_p99_ms p99_ms "$b" '<20ms' 'v < 20'
	bench_latency_row filed_to_classified_p50_ms classified_p50_ms "$b" \
		'<50ms' 'v < 50'
	bench_latency_row filed_to_classified_p99_ms classified_p99_ms "$b" \
		'<50ms' 'v < 50'
	bench_latency_row filed_to_clock_p50_ms started_p50_ms "$b" \
		'<50ms' 'v < 50'
	bench_latency_row filed_to_clock_p99_ms started_p99_ms "$b" \
		'<50ms' 'v < 50'
}

# One latency figure, the median over the runs in bench_latency's lat[],
# beside the bare hop's p99 at the same rate.
bench_latency_row() {
	local figure=$1 key=$2 hop=$3 goal=$4 cond=$5 v l
	v=$(for l in "${lat[@]}"; do bench_field "$key" "$l"; done |
		bench_median)
	bench_row "$figure" "$v" ms kafka_hop.p99_ms "$hop" \
		"$(bench_ratio "$v" "$hop")" "$goal" "$(bench_verdict "$v" "$cond")"
}

bench_wrk() {
	wrk -t2 -c32 -d"${BENCH_SECS}s" -s "$ROOT/bench/wrk-complaints.lua" \
		"http://$1/" 2>/dev/null | grep '^wrk '
}

# Item 3: intake alone under wrk against the bare evhttp handler. The bare
# handler's runs come first, on a drained pipeline; intake's follow one
# another without a drain between them: wrk files complaints several
# times faster than the consumers take them, so they are busy all through
# each run, backlog or not. Nothing after these runs waits for the backlog
# (they are the pipeline's last), where a drain after each took about a
# minute.
bench_intake() {
	local i line a=() b=() v base
	command -v wrk >/dev/null || {
		warn "bench: wrk missing (apt-get install wrk): intake skipped"
		return 0
	}
	msg "bench: intake under wrk against a bare evhttp handler"
	bench_wait_caught_up 120 || true
	for ((i = 1; i <= BENCH_RUNS; i++)); do
		line=$(bench_wrk "127.0.0.1:$BENCH_SINK_PORT")
		printf 'run %d: bare %s\n' "$i" "$line"
		b+=("$(bench_field per_s "$line")")
	done
	for ((i = 1; i <= BENCH_RUNS; i++)); do
		line=$(bench_wrk "$(daemon_listen intake)")
		printf 'run %d: intake %s\n' "$i" "$line"
		a+=("$(bench_field per_s "$line")")
	done
	v=$(printf '%s\n' "${a[@]}" | bench_median)
	base=$(printf '%s\n' "${b[@]}" | bench_median)
	bench_row intake.requests_per_s "$v" requests/s evhttp_bare.per_s \
		"$base" "$(bench_ratio "$v" "$base")" ">=0.3" \
		"$(bench_verdict "$(bench_ratio "$v" "$base")" 'v >= 0.3')"
}

# The committed offsets of a service's group on complaints.events, summed.
bench_committed() {
	"$BUILD_DIR/tools/cdp-ops" -b "$KAFKA_BROKERS" lag "$1" 2>/dev/null |
		awk -F'\t' '$2 ~ /^complaints\.events/ && $3 != "-" { s += $3 }
		END { print s + 0 }'
}

# Item 6: SIGKILL a consumer daemon, start it again at once, file a few
# complaints; seconds until its group commits past where it stood.
bench_recover_one() {
	local name=$1 before t0 pid load
	before=$(bench_committed "$name")
	pid=$(<"$(daemon_pidfile "$name")")
	t0=$EPOCHREALTIME
	kill -KILL "$pid"
	while [[ -d /proc/$pid ]]; do sleep 0.05; done
	daemon_start "$name"
	daemon_wait_healthy "$name"
	"$(bench_tool loadgen)" -u "$(daemon_listen intake)" -r 50 -d 4 \
		>/dev/null 2>&1 &
	load=$!
	while (($(bench_committed "$name") <= before)); do
		if ! kill -0 "$load" 2>/dev/null &&
			(($(awk -v a="$t0" -v b="$EPOCHREALTIME" \
				'BEGIN { print int(b - a) }') > 30)); then
			echo 999
			return 0
		fi
		sleep 0.1
	done
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
	# The commit was what the load was for; the rest of it would only
	# be more complaints for the next daemon's turn to wait for.
	kill "$load" 2>/dev/null || true
	wait "$load" 2>/dev/null || true
}

bench_recovery() {
	local name s
	msg "bench: recovery from SIGKILL of each consumer daemon"
	for name in intake classifier sla-timer notifier penalty analytics; do
		bench_wait_caught_up 60 || true
		s=$(bench_recover_one "$name")
		bench_row "recovery.$name" "$s" s - 0 0 '<10s' \
			"$(bench_verdict "$s" 'v < 10')"
	done
}

bench_rules() {
	msg "bench: classifier rules (matcher) against a strstr loop"
	BUILD_DIR=$BUILD_DIR "$ROOT/bench/run-rules.sh" "$BENCH_RUNS" |
		tee -a /dev/stderr | bench_collect
}

bench_sla() {
	msg "bench: SLA clocks against BullMQ"
	BUILD_DIR=$BUILD_DIR KAFKA_BROKERS=$KAFKA_BROKERS \
		SLA_BENCH_CLOCKS=$BENCH_CLOCKS SLA_BENCH_BURST=$BENCH_BURST \
		SLA_BENCH_MEM_RUNS=1 \
		"$ROOT/bench/run-sla.sh" "$BENCH_RUNS" |
		tee -a /dev/stderr | bench_collect
}

# CPU seconds (user + system) each daemon and the broker used so far:
# where the machine's time went during the run (docs/performance.md).
bench_cpu() {
	local name pid tck
	tck=$(getconf CLK_TCK)
	for name in "${DAEMONS[@]}" kafka redis; do
		case $name in
		kafka) pid=$(cat "$(kafka_pidfile)" 2>/dev/null) || continue ;;
		redis) pid=$(cat "$(redis_pidfile)" 2>/dev/null) || continue ;;
		*) pid=$(cat "$(daemon_pidfile "$name")" 2>/dev/null) || continue ;;
		esac
		awk -v n="$name" -v t="$tck" '{ sub(/.*\) /, "");
			printf "cpu %s %.1f s\n", n, ($12 + $13) / t }' \
			"/proc/$pid/stat" 2>/dev/null || true
	done
}

bench_daemons_start() {
	bench_sink_start
	daemons_start
}

bench_daemons_stop() {
	daemons_stop >/dev/null
	bench_sink_stop
}

bench_pipeline_all() {
	bench_timed "daemons start" bench_daemons_start
	bench_timed "rate search" bench_find_rate
	if [[ $BENCH_PART != scaling ]]; then
		bench_timed throughput bench_throughput
		bench_timed latency bench_latency
		bench_timed recovery bench_recovery
	fi
	[[ $BENCH_PART == pipeline ]] || bench_timed scaling bench_scaling
	# Last: intake's runs leave a backlog no one needs to wait for.
	if [[ $BENCH_PART != scaling ]]; then
		bench_timed "intake wrk" bench_intake
		bench_timed cpu bench_cpu
	fi
	bench_timed "daemons stop" bench_daemons_stop
}

# Members of consumer group $1 that hold partitions now (cdp-ops members).
bench_group_members() {
	"$BUILD_DIR/tools/cdp-ops" -b "$KAFKA_BROKERS" members 2>/dev/null |
		awk -F'\t' -v g="$1" '$1 == g && $3 != "-" { n++ }
		END { print n + 0 }'
}

# Runs $1 instances (1 or 2) of each of BENCH_SCALED: the second is
# <name>-2 (scripts/lib/daemons.sh: its own ports and INSTANCE_ID), and
# waits until each group has as many members holding partitions. A
# stopped static member keeps its partitions until its session times out
# (6 s), so going back to 1 waits for that rebalance too.
bench_scale_to() {
	local n=$1 d deadline=$((SECONDS + 60))
	for d in "${BENCH_SCALED[@]}"; do
		if ((n == 2)); then
			daemon_start "$d-2"
		else
			stop_pid "$(daemon_pidfile "$d-2")" "$(daemon_bin "$d-2")" \
				"$DAEMON_STOP_GRACE" "$d-2"
		fi
	done
	if ((n == 2)); then
		for d in "${BENCH_SCALED[@]}"; do daemon_wait_healthy "$d-2"; done
	fi
	for d in "${BENCH_SCALED[@]}"; do
		until (($(bench_group_members "$d") == n)); do
			((SECONDS < deadline)) || {
				warn "bench: $d has not $n member(s) after 60 s"
				return 0
			}
			sleep 0.5
		done
	done
	msg "bench: scaling: $n instance(s) of ${BENCH_SCALED[*]} hold partitions"
}

# Item 7: the pipeline's events a second with 1 and with 2 instances of
# the classifier and the sla-timer, under the same load: twice the rate
# one instance sustained (more than one instance takes), so the daemons,
# not the load, set the pace. The runs alternate 1 and 2 instances in the
# order 1 2, 2 1, 1 2 (each pair has both, and a steady drift in the
# machine's load falls on both alike), which changes the instances at
# every other run: going back to 1 waits for the session timeout of the
# second (6 s) and going to 2 for a rebalance. Each run is shorter
# than the pipeline's (BENCH_SCALE_SECS), to keep the whole bench within
# its 15 minutes. On 2 shared cores the gain is bounded by the CPU the
# second instances can get. Run alone, the rate search comes first
# (bench_pipeline_all).
bench_scaling() {
	local rate i n line one=() two=() v b
	rate=$((BENCH_HELD > 0 ? BENCH_HELD * 2 : BENCH_RATE_MIN * 2))
	msg "bench: scaling: ${BENCH_SCALED[*]} with 1 and 2 instances at $rate/s"
	for ((i = 1; i <= BENCH_RUNS; i++)); do
		for n in $( ((i % 2)) && echo 1 2 || echo 2 1); do
			bench_scale_to "$n"
			bench_wait_caught_up 120 || true
			line=$(bench_try_rate "$rate" "$BENCH_SCALE_SECS") || true
			printf 'run %d, %d instance(s): %s\n' "$i" "$n" "$line"
			if ((n == 1)); then
				one+=("$(bench_field events_per_s "$line")")
			else
				two+=("$(bench_field events_per_s "$line")")
			fi
		done
	done
	bench_scale_to 1
	v=$(printf '%s\n' "${two[@]}" | bench_median)
	b=$(printf '%s\n' "${one[@]}" | bench_median)
	bench_row scaling.events_per_s_2_instances "$v" events/s \
		scaling.events_per_s_1_instance "$b" "$(bench_ratio "$v" "$b")" \
		">1" "$(bench_verdict "$(bench_ratio "$v" "$b")" 'v > 1')"
}

# The table of the rows, for the terminal and bench/results/<date>.md.
bench_table() {
	printf '| figure | value | unit | baseline | baseline value | ratio | goal | verdict |\n'
	printf '| --- | --- | --- | --- | --- | --- | --- | --- |\n'
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
		$2, $3, $4, $5, $6, $7, $8, $9 }' "$BENCH_ROWS"
}

# Where the run's time went: each section's seconds and share of the
# whole ($1 seconds), in the order they ended. A row named "part: step"
# (run-sla.sh's) is a step of that part, already counted in the part's row.
bench_time_table() {
	printf '| section | seconds | share |\n| --- | --- | --- |\n'
	awk -F'\t' -v total="$1" '{ printf "| %s | %s | %.0f%% |\n", $1, $2,
		(total > 0 ? 100 * $2 / total : 0) }
		END { printf "| total | %s | 100%% |\n", total }' "$BENCH_TIMES"
}

# A quick run's figures mean nothing: its table goes under .local/, never
# to bench/results/.
bench_report() {
	local total=$1 file=$ROOT/bench/results/$(date -u +%Y-%m-%d).md
	shift
	[[ $BENCH_QUICK == no ]] || file=$ROOT/.local/bench-quick.md
	mkdir -p "$(dirname "$file")"
	{
		printf '# ./dev bench %s, %s\n\n' "$*" "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'Machine: %s cores (%s), %s memory, %s; commit %s.\n\n' \
			"$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo |
				cut -d: -f2 | sed 's/^ //')" \
			"$(free -h | awk '/^Mem:/ { print $2 }')" "$(uname -sr)" \
			"$(git -C "$ROOT" rev-parse --short HEAD)"
		printf 'Median of %s runs each (quick mode: %s).\n\n' \
			"$BENCH_RUNS" "$BENCH_QUICK"
		bench_table
		printf '\n## Time per section\n\n'
		bench_time_table "$total"
	} >"$file"
	bench_table
	bench_time_table "$total"
	msg "bench: report in ${file#"$ROOT"/}"
}

# ./dev bench [N] [rules|sla|pipeline|scaling|all] [--quick]
bench_options() {
	BENCH_RUNS=3 BENCH_PART=all BENCH_QUICK=no
	while (($# > 0)); do
		case $1 in
		[0-9]*) BENCH_RUNS=$1 ;;
		rules | sla | pipeline | scaling | all) BENCH_PART=$1 ;;
		--quick) BENCH_QUICK=yes ;;
		*) die "usage: ./dev bench [N] [rules|sla|pipeline|scaling|all] [--quick]" ;;
		esac
		shift
	done
	if [[ $BENCH_QUICK == yes ]]; then
		BENCH_RUNS=1 BENCH_SECS=3 BENCH_SCALE_SECS=3
		BENCH_RATE0=200 BENCH_RATE_MAX=400
		BENCH_RATE_MIN=50
		BENCH_HOP_N=5000 BENCH_CLOCKS=20000 BENCH_BURST=5000
	else
		BENCH_SECS=10 BENCH_SCALE_SECS=5
		BENCH_RATE0=250 BENCH_RATE_MAX=8000
		BENCH_RATE_MIN=25
		BENCH_HOP_N=50000 BENCH_CLOCKS=1000000 BENCH_BURST=100000
	fi
}

# The daemons, the tools ./dev bench calls and the bench programs; not the
# tests.
bench_build() {
	cmake_build "${DAEMONS[@]}" cdp-topics cdp-ops bench >/dev/null
}

bench_env_stop() {
	bench_daemons_stop
	kafka_stop
	redis_stop
}

cmd_bench() {
	local t0=$EPOCHREALTIME
	bench_options "$@"
	env_load bench
	BENCH_ROWS=$STATE_DIR.rows BENCH_TIMES=$STATE_DIR.times
	mkdir -p "${STATE_DIR%/*}" # .local/, not there yet in a fresh clone
	: >"$BENCH_ROWS"
	: >"$BENCH_TIMES"
	bench_timed setup setup
	bench_timed build bench_build
	case $BENCH_PART in rules | all) bench_timed rules bench_rules ;; esac
	if [[ $BENCH_PART != rules ]]; then
		bench_timed environment bench_fresh_env
		trap bench_env_stop EXIT
	fi
	case $BENCH_PART in pipeline | scaling | all) bench_pipeline_all ;; esac
	# After the pipeline, not before: each burst leaves about 200,000
	# events on complaints.events, which the pipeline's consumers (new
	# groups, reading from the earliest offset) and its sla-timer
	# (rebuilding its clocks from the log) would read first: about a
	# minute a burst on the loaded machine.
	case $BENCH_PART in sla | all) bench_timed sla bench_sla ;; esac
	if [[ $BENCH_PART != rules ]]; then
		bench_timed "environment stop" bench_env_stop
		trap - EXIT
	fi
	bench_report "$(bench_since "$t0")" "$@"
	msg "bench: done in $(elapsed "$t0")"
}
