#!/usr/bin/env bash
# Issue 15, item 5: classifier descriptions matched a second on one core
# with the full rules file, against a strstr loop over the same keywords
# (bench/matcher_bench.c; goal: at least 5x). Prints the program's lines
# and its RESULT row. BUILD_DIR (default build/) is the cmake tree the
# program is built in (configured when it is not yet); needs no Kafka or Redis.
#
#	bench/run-rules.sh [RUNS]        (default 3, the median is reported)
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
RUNS=${1:-3}

[[ -f $BUILD_DIR/CMakeCache.txt ]] ||
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target matcher_bench >/dev/null
# One core: the classifier is single-threaded, and so is the baseline.
exec env CDP_SOURCE_DIR="$ROOT" taskset -c 0 \
	"$BUILD_DIR/bench/matcher_bench" -k "$RUNS"
