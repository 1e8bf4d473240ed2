# shellcheck shell=bash
# ./dev setup: the Debian packages the build and the local stack need, and
# the Kafka broker's jars from Maven Central. Quick when nothing is missing.

SETUP_PACKAGES=(
	build-essential cmake pkg-config git curl procps iproute2
	librdkafka-dev libhiredis-dev libprotobuf-c-dev protobuf-c-compiler
	libevent-dev libjansson-dev libcurl4-openssl-dev libssl-dev
	libcmocka-dev kcat redis-server redis-tools jq python3-yaml docker-compose
	cppcheck wrk
	openjdk-17-jre-headless maven
	chromium
)
KAFKA_POM=$ROOT/deploy/local/kafka/pom.xml
KAFKA_STAMP=$ROOT/.local/kafka/libs.stamp

# Packages of SETUP_PACKAGES that dpkg does not have installed.
packages_missing() {
	local p status
	for p in "${SETUP_PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) ||
			status=
		[[ $status == installed ]] || printf '%s\n' "$p"
	done
}

packages_install() {
	local missing sudo=()
	mapfile -t missing < <(packages_missing)
	((${#missing[@]} == 0)) && return 0
	((EUID == 0)) || sudo=(sudo)
	msg "installing Debian packages: ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
		die "apt-get update failed"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" </dev/null ||
		die "apt-get install failed"
}

# The version the pom asks for, e.g. 3.9.1.
kafka_pom_version() {
	sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$KAFKA_POM"
}

kafka_pom_sum() { sha256sum "$KAFKA_POM" | cut -d' ' -f1; }

# The jars are present for exactly this pom.
kafka_libs_present() {
	[[ -f $KAFKA_STAMP && -d $KAFKA_LIBS ]] &&
		[[ $(<"$KAFKA_STAMP") == "$(kafka_pom_sum)" ]]
}

# Checks that a fresh copy holds the broker, its clients and the log binding
# in the versions asked for, and that the broker says so itself.
kafka_libs_verify() {
	local dir=$1 version jar said
	version=$(kafka_pom_version)
	for jar in "kafka_2.13-$version.jar" "kafka-clients-$version.jar" \
		"kafka-server-$version.jar" "kafka-raft-$version.jar"; do
		[[ -f $dir/$jar ]] || die "Maven did not resolve $jar"
	done
	compgen -G "$dir/slf4j-reload4j-*.jar" >/dev/null ||
		die "Maven did not resolve the SLF4J binding slf4j-reload4j"
	compgen -G "$dir/reload4j-*.jar" >/dev/null ||
		die "Maven did not resolve reload4j"
	said=$(java -cp "$dir/*" kafka.Kafka --version 2>/dev/null | head -n 1)
	[[ $said == "$version" || $said == "$version "* ]] ||
		die "the broker reports version '$said', expected $version"
	msg "kafka jars: the broker reports version $said ($(find "$dir" -name "*.jar" | wc -l) jars)"
}

# Copies the broker and everything it needs into .local/kafka/libs; skipped
# when the stamp says this pom's jars are there already.
kafka_libs_fetch() {
	local tmp=$ROOT/.local/kafka/libs.tmp log=$ROOT/.local/kafka/mvn.log
	local t0=$EPOCHREALTIME
	kafka_libs_present && return 0
	msg "fetching Apache Kafka $(kafka_pom_version) from Maven Central"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$tmp" </dev/null \
		>"$log" 2>&1 ||
		die_log "$log" "mvn dependency:copy-dependencies failed"
	kafka_libs_verify "$tmp"
	rm -rf "$KAFKA_LIBS"
	mv "$tmp" "$KAFKA_LIBS"
	kafka_pom_sum >"$KAFKA_STAMP"
	msg "kafka jars in ${KAFKA_LIBS#"$ROOT"/} ($(elapsed "$t0"))"
}

setup() {
	packages_install
	kafka_libs_fetch
}
