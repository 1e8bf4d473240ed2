# shellcheck shell=bash
# ./dev valgrind: integration tests with every daemon they start run under
# valgrind's memcheck (tests/lib/testproc.c puts CDP_TEST_WRAPPER in front
# of the daemon's command), one log per daemon process in
# .local/test[-<offset>]/valgrind/<daemon>-<pid>.log, then a summary per
# daemon of the errors and the definitely-lost bytes the logs report.
# It uses the optimised build of ./dev test (build-werror/: valgrind and
# the sanitizers of build-test/ cannot mix).

# One integration test per daemon that drives a short real load through it.
# sla-timer's is test_intake_first_contact (complaints filed through intake,
# their clocks run and breach in sla-timer): test_sla_timer takes longer
# than its 300 s under memcheck, and two of its cases wait with deadlines of
# their own (30 s for a daemon to exit, the first-contact SLA plus 15 s),
# which a daemon 20-50 times slower misses.
VALGRIND_TESTS='^integration\.test_(intake_api|classifier|intake_first_contact|notifier|penalty|analytics)$'

# Every wait of the test harness is this many times longer
# (testproc_scale_ms()), as memcheck makes the daemons 20-50 times slower.
VALGRIND_TIME_SCALE=10

# The exit status of a daemon with a memcheck error, so that a test that
# checks the status of a daemon it stopped fails too.
VALGRIND_EXIT=97

valgrind_wrapper() {
	local dir=$1
	printf '%s ' valgrind --tool=memcheck --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--error-exitcode=$VALGRIND_EXIT --num-callers=30 \
		"--suppressions=$ROOT/config/valgrind.supp" \
		"--log-file=$dir/%q{CDP_TEST_DAEMON}-%p.log"
}

# One line per log: daemon, whether it ran to its end (a process killed by
# SIGKILL has no ERROR SUMMARY, so its leaks are not known), the memcheck
# errors it printed (invalid reads, writes and frees, uses of uninitialised
# values) and the bytes definitely lost.
valgrind_log_line() {
	local log=$1 name
	name=$(basename "$log" .log)
	name=${name%-*}
	awk -v name="$name" '
	/== (Invalid (read|write|free)|Mismatched free|Conditional jump or move depends on uninitialised|Use of uninitialised value|Syscall param .*(uninitialised|unaddressable)|Source and destination overlap)/ {
		errors++
	}
	/== ERROR SUMMARY:/ { ended = 1 }
	/== +definitely lost:/ {
		v = $4; gsub(",", "", v); lost = v
	}
	END { printf "%s %d %d %d\n", name, ended, errors, lost }
	' "$log"
}

# The table per daemon; returns 1 when a daemon had an error or a leak.
valgrind_summary() {
	local dir=$1 log
	shopt -s nullglob
	local logs=("$dir"/*.log)
	shopt -u nullglob
	((${#logs[@]} > 0)) || {
		warn "valgrind: no daemon logs in ${dir#"$ROOT"/}"
		return 1
	}
	for log in "${logs[@]}"; do valgrind_log_line "$log"; done | awk '
	{
		n[$1]++; if (!$2) killed[$1]++
		errors[$1] += $3; lost[$1] += $4; bad += $3 + $4
	}
	END {
		printf "%-12s %9s %7s %7s %16s\n", "daemon", "processes",
		    "killed", "errors", "definitely-lost"
		for (d in n)
			printf "%-12s %9d %7d %7d %14d B\n", d, n[d],
			    killed[d], errors[d], lost[d] | "sort"
		close("sort")
		exit bad > 0
	}'
}

# The summary of two memcheck logs kept in tests/data/valgrind (a small
# program with a read past a block, a branch on an uninitialised value and
# 116 bytes definitely lost; the same log cut short, as a killed process
# leaves it) must find all of it, so a summary that can no longer see an
# error fails before a run rather than passing it.
valgrind_selftest() {
	local want='selftest 2 1 4 116 B' got
	got=$(valgrind_summary "$ROOT/tests/data/valgrind" | tail -n 1 |
		tr -s ' ') || true
	[[ $got == "$want" ]] ||
		die "valgrind: the summary's self-test read '$got', not '$want'"
}

# Arguments after `./dev valgrind` go to ctest instead of the default set
# of tests, e.g. `./dev valgrind -R integration.test_penalty`.
cmd_valgrind() {
	local status=0 log dir start=$EPOCHREALTIME
	command -v valgrind >/dev/null || die "valgrind: not installed (apt-get install valgrind)"
	(($# > 0)) || set -- -R "$VALGRIND_TESTS"
	valgrind_selftest
	setup
	env_load test
	BUILD_DIR=$ROOT/build-werror
	test_lock
	werror_build
	trap test_env_stop EXIT
	trap 'exit 130' INT TERM
	test_env_start
	dir=$STATE_DIR/valgrind
	mkdir -p "$dir"
	log=$STATE_DIR/ctest.log
	KAFKA_BROKERS=$KAFKA_BROKERS REDIS_ADDR=$REDIS_ADDR CDP_DEV=$DEV \
		CDP_ENV=test CDP_TEST_TIME_SCALE=$VALGRIND_TIME_SCALE \
		CDP_TEST_WRAPPER=$(valgrind_wrapper "$dir") \
		ctest --test-dir "$BUILD_DIR" --output-on-failure "$@" \
		</dev/null 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
	test_env_stop
	trap - EXIT INT TERM
	ctest_summary "$log"
	valgrind_summary "$dir" || status=1
	msg "valgrind: $(elapsed "$start"), logs in ${dir#"$ROOT"/}"
	return "$status"
}
