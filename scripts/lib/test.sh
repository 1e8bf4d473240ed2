# shellcheck shell=bash
# ./dev test: a sanitizer build with warnings as errors, a test environment
# that starts clean every run (Kafka 127.0.0.1:19092, Redis 127.0.0.1:16380,
# and the next ports with CDP_TEST_REDIS_SHARDS=N, state in .local/test),
# ctest against it, and the environment stopped again whatever happens. The
# last line printed is "N passed, N failed".

# Stops what a test run started; also the EXIT trap, so a failure or a
# Ctrl-C leaves nothing running.
test_env_stop() {
	redis_stop
	kafka_stop
}

# Stops leftovers of an earlier run, wipes .local/test, starts afresh.
test_env_start() {
	# Leftovers with as many brokers as they were started with.
	(
		kafka_nodes_init ''
		test_env_stop
	)
	test_env_stop
	rm -rf "$STATE_DIR"
	kafka_start
	redis_start
	kafka_create_topics
}

# "N passed, N failed" from ctest's "X% tests passed, F tests failed out of
# T" line; no such line (no tests) counts as none. A skipped test (such as
# the cluster test on one broker) counts as neither, and a line before
# says which were skipped.
ctest_summary() {
	awk '/tests passed, [0-9]+ tests? failed out of/ {
		failed = $4; total = $NF; found = 1
	}
	/^[ \t]*[0-9]+ - .* \(Skipped\)$/ {
		skipped++
		names = names " " $3
	}
	END {
		if (!found) { failed = 0; total = 0 }
		if (skipped > 0)
			printf "dev: %d skipped:%s\n", skipped, names
		printf "%d passed, %d failed\n", total - failed - skipped, failed
	}' "$1"
}

# One test run at a time per work tree: a second ./dev test would wipe and
# stop the first one's environment. The lock goes with this process (spawn
# closes fd 9 for what it starts).
test_lock() {
	local lock=$ROOT/.local/test.lock
	mkdir -p "$ROOT/.local"
	exec 9>"$lock"
	flock -n 9 && return 0
	msg "another ./dev test runs in this tree; waiting for it to finish"
	flock -w 1800 9 || die "gave up waiting for the other ./dev test"
}

# The optimised build with warnings as errors: some warnings (such as
# maybe-uninitialized) only show when gcc optimises, which the sanitizer
# build of the tests does less.
werror_build() {
	local dir=$ROOT/build-werror
	cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCDP_WERROR=ON >/dev/null ||
		die "cmake configure of build-werror failed"
	if ! cmake --build "$dir" -j2 >"$dir/build.log" 2>&1; then
		grep -E "error|warning" "$dir/build.log" | head -20 >&2
		die "the optimised build has warnings or errors ($dir/build.log)"
	fi
	msg "build-werror: optimised build clean"
}

# Arguments after `./dev test` go to ctest, e.g. `./dev test -R intake` or
# `./dev test -L unit`; without any, every test runs. A first `--brokers 3`
# makes the test environment a three-broker cluster (scripts/lib/kafka.sh).
cmd_test() {
	local status=0 log
	KAFKA_NODES_WANTED=1 # not what an earlier run was started with
	if [[ ${1:-} == --brokers ]]; then
		[[ ${2:-} =~ ^[13]$ ]] || die "test: --brokers needs 1 or 3"
		KAFKA_NODES_WANTED=$2
		shift 2
	fi
	setup
	env_load test
	# CDP_TEST_REDIS_SHARDS=N: N Redis, sharded by partition, whose list
	# the tests' daemons get as REDIS_ADDRS (tests/lib/testproc.c).
	REDIS_SHARDS=${CDP_TEST_REDIS_SHARDS:-1}
	redis_shards >/dev/null
	test_lock
	werror_build
	cmake_build
	trap test_env_stop EXIT
	trap 'exit 130' INT TERM
	test_env_start
	log=$STATE_DIR/ctest.log
	KAFKA_BROKERS=$KAFKA_BROKERS REDIS_ADDR=$REDIS_ADDR CDP_DEV=$DEV \
		CDP_TEST_REDIS_ADDRS=$(redis_addrs) \
		CDP_ENV=test CDP_TEST_LOG_DIR=$STATE_DIR/daemon-logs ctest --test-dir "$BUILD_DIR" --output-on-failure "$@" \
		</dev/null 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
	test_env_stop
	trap - EXIT INT TERM
	ctest_summary "$log"
	return "$status"
}
