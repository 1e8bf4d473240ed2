#!/usr/bin/env bash
# cppcheck over the C sources of the tree (common/, services/, tools/,
# tests/, bench/), run by ctest as lint.cppcheck. Every finding either is
# fixed or is listed, with its reason, in config/cppcheck-suppressions.txt;
# anything else fails. Usage: scripts/cppcheck.sh [ROOT]
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT"
command -v cppcheck >/dev/null ||
	{ echo "cppcheck: not installed (./dev setup installs it)" >&2; exit 1; }

# The system headers whose macros shape the code (sys/queue.h's lists,
# jansson's foreach loops), where the compiler finds them.
header() {
	printf '#include <%s>\n' "$1" | cpp -M - 2>/dev/null | tr ' \\' '\n\n' |
		grep -m 1 "/$1\$"
}
queue=$(header sys/queue.h) || { echo "cppcheck: no sys/queue.h" >&2; exit 1; }
jansson=$(header jansson.h) || { echo "cppcheck: no jansson.h" >&2; exit 1; }

# Only the checks that find bugs; style opinions are the house style's.
# Other headers, the generated protobuf ones included, are not given:
# cppcheck checks each file without them (missingInclude is suppressed),
# which keeps it quick.
exec cppcheck --quiet --error-exitcode=1 --std=c11 --language=c \
	--enable=warning,performance,portability \
	--inline-suppr --suppressions-list=config/cppcheck-suppressions.txt \
	--max-configs=1 -j"$(nproc)" \
	-I common -I services --include="$queue" --include="$jansson" \
	common services tools tests bench
