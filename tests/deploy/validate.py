#!/usr/bin/env python3
"""Offline checks of the deployment files against the code they deploy.

Reads docker-compose.yml, deploy/docker/Dockerfile, .dockerignore and every
*.yaml of deploy/k8s/base and deploy/k8s/overlays/dev, and checks their
structure and that they agree with the repository: the daemons that exist
(services/<name>/CMakeLists.txt), their ports (scripts/lib/daemons.sh), the
environment variables their sources read, the flags of tools/cdp_topics.c,
config/topics.conf and config/api-keys.conf, and the Kafka version of
deploy/local/kafka/pom.xml. The public dev API keys of config/api-keys.conf
may be only in the dev overlay and the compose stack, never in the image or
the base. Runs `docker compose config -q` and `kubectl kustomize` when
those work here, and skips them quietly when not. No network, no cluster,
no engine.

    python3 tests/deploy/validate.py [--root DIR] [-v]

Prints one line per failed check ("FAIL <file>: <what>"), notes for checks
that were skipped, and ends with "N passed, N failed"; exits 1 when any
check failed.
"""

import argparse
import base64
import fnmatch
import glob
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    # ./dev setup installs Debian's python3-yaml, which only Debian's own
    # python3 sees; a python3 found first on PATH (pyenv, a venv) may lack
    # it.
    DEBIAN_PYTHON = "/usr/bin/python3"
    if os.path.exists(DEBIAN_PYTHON) and os.path.realpath(
            sys.executable) != os.path.realpath(DEBIAN_PYTHON):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    sys.exit("validate.py: the python3 yaml module is missing "
             "(Debian: apt-get install python3-yaml; ./dev setup does it)")

LOG_LEVELS = ("error", "warn", "info", "debug")
# What every daemon reads; INSTANCE_ID is optional.
DAEMON_ENV = ("KAFKA_BROKERS", "REDIS_ADDR", "HTTP_LISTEN", "ADMIN_LISTEN",
              "LOG_LEVEL")
# common/daemon.c: the admin listener (/readyz, /metrics) is on the HTTP
# port + ADMIN_PORT_OFFSET unless ADMIN_LISTEN says otherwise.
ADMIN_PORT_OFFSET = 1000
TOPICS_TOOL = "cdp-topics"
COMPOSE_CONDITIONS = ("service_started", "service_healthy",
                      "service_completed_successfully")
K8S_API_VERSIONS = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "Job": "batch/v1",
    "PodDisruptionBudget": "policy/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "NetworkPolicy": "networking.k8s.io/v1",
}
RUNTIME_LIBS = ("librdkafka1", "libhiredis0.14", "libprotobuf-c1",
                "libevent-2.1-7", "libjansson4", "libssl3", "libcurl4")
BUILD_PACKAGES = ("cmake", "protobuf-c-compiler", "librdkafka-dev",
                  "libhiredis-dev", "libprotobuf-c-dev", "libevent-dev",
                  "libjansson-dev", "libssl-dev")
SECRET_PLACEHOLDER = "PLACEHOLDER"
# The daemons' shutdown: a producer flush of at most 10 s (services/*/
# main.c), then leaving the consumer group; 30 s bounds both with margin.
DAEMON_SHUTDOWN_MAX_S = 30
PRESTOP_MAX_S = 10
K8S_BASE = os.path.join("deploy", "k8s", "base")
K8S_DEV = os.path.join("deploy", "k8s", "overlays", "dev")
DEV_KEYS = os.path.join("config", "api-keys.conf")
DEV_MODE = "CDP_DEV_MODE"


class Checks:
    """Counts checks; prints failures at once and notes as they come."""

    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def check(self, ok, where, what):
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"ok   {where}: {what}")
        else:
            self.failed += 1
            print(f"FAIL {where}: {what}")
        return ok

    def fail(self, where, what):
        return self.check(False, where, what)

    def note(self, where, what):
        print(f"note {where}: {what}")


class Repo:
    """What the repository says: daemons, ports, sources, config files."""

    def __init__(self, root):
        self.root = root

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def exists(self, *parts):
        return os.path.exists(self.path(*parts))

    def read(self, *parts):
        with open(self.path(*parts), encoding="utf-8") as f:
            return f.read()

    def daemon_ports(self):
        """DAEMON_PORT of scripts/lib/daemons.sh: name -> port."""
        text = self.read("scripts", "lib", "daemons.sh")
        m = re.search(r"DAEMON_PORT=\((.*?)\)", text, re.S)
        if not m:
            return {}
        return {n: int(p) for n, p in
                re.findall(r"\[([\w-]+)\]=(\d+)", m.group(1))}

    def daemon_state(self, name):
        """'built', 'in progress' (folder without CMakeLists) or None."""
        if self.exists("services", name, "CMakeLists.txt"):
            return "built"
        if os.path.isdir(self.path("services", name)):
            return "in progress"
        return None

    def sources(self, program):
        """The C sources a program is built from (its own and common/)."""
        if program == TOPICS_TOOL:
            own = [self.path("tools", "cdp_topics.c")]
        else:
            own = sorted(glob.glob(self.path("services", program, "*.[ch]")))
        return own + sorted(glob.glob(self.path("common", "*.c")))

    def topics_flags(self):
        """Short and long options of tools/cdp_topics.c, with arity."""
        text = self.read("tools", "cdp_topics.c")
        flags = {}
        m = re.search(r'getopt_long\([^"]*"([^"]+)"', text)
        if m:
            spec = m.group(1)
            for i, ch in enumerate(spec):
                if ch != ":":
                    flags["-" + ch] = spec[i + 1:i + 2] == ":"
        for name, arg in re.findall(
                r'\{\s*"([\w-]+)"\s*,\s*(no_argument|required_argument)',
                text):
            flags["--" + name] = arg == "required_argument"
        return flags

    def kafka_version(self):
        m = re.search(r"<kafka.version>([^<]+)</kafka.version>",
                      self.read("deploy", "local", "kafka", "pom.xml"))
        return m.group(1) if m else None


def hostport(s):
    """(host, port) of "host:port" ("[v6]:port" too), or None."""
    m = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[^:\s\[\]]+):(\d{1,5})", s or "")
    if not m or not 1 <= int(m.group(2)) <= 65535:
        return None
    return m.group(1), int(m.group(2))


def hostport_list(s):
    entries = [e.strip() for e in (s or "").split(",")]
    parsed = [hostport(e) for e in entries]
    return parsed if entries and all(parsed) else None


def interpolate(value):
    """Compose's ${VAR:-default} and ${VAR-default} taken at the default."""
    if not isinstance(value, str):
        return value
    return re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", value)


def env_read(repo, program, names, checks, where):
    """Each variable set for program must be one its sources read."""
    if program != TOPICS_TOOL and not repo.exists(
            "services", program, "main.c"):
        checks.note(where, f"services/{program}/main.c does not exist yet: "
                    f"not checking that {program} reads "
                    f"{', '.join(sorted(names))}")
        return
    text = ""
    for src in repo.sources(program):
        with open(src, encoding="utf-8", errors="replace") as f:
            text += f.read()
    for name in sorted(names):
        checks.check(f'"{name}"' in text, where,
                     f"{program} reads {name} (\"{name}\" in its sources"
                     f" or common/)")


def env_required(repo, program):
    """Variables a daemon's config table declares without a default."""
    if program == TOPICS_TOOL or not repo.exists(
            "services", program, "main.c"):
        return set()
    text = ""
    for src in repo.sources(program):
        with open(src, encoding="utf-8", errors="replace") as f:
            text += f.read()
    return set(re.findall(
        r'\{\s*"([A-Z][A-Z0-9_]*)"\s*,\s*CONFIG_\w+\s*,\s*NULL\s*,', text))


def topics_args(repo, args, checks, where):
    """Checks a cdp-topics command line; returns its -f file or None."""
    flags = repo.topics_flags()
    file = None
    i = 0
    while i < len(args):
        a = args[i]
        if not checks.check(a in flags, where,
                            f"cdp-topics knows the option {a}"):
            i += 1
            continue
        if flags[a]:
            value = args[i + 1] if i + 1 < len(args) else None
            checks.check(value is not None, where, f"{a} has a value")
            if a in ("-f", "--file"):
                file = value
            if a in ("-t", "--timeout", "-r", "--replicas"):
                checks.check(value is not None and value.isdigit() and
                             int(value) >= 1, where,
                             f"{a} {value} is a whole number >= 1")
            i += 2
        else:
            i += 1
    checks.check(file is not None, where, "cdp-topics is given -f <file>")
    return file


# ---------------------------------------------------------------------------
# Dockerfile and .dockerignore

def dockerfile_stages(text):
    """[(from, alias, [(instruction, args)])] with continuations joined."""
    lines, cur = [], ""
    for raw in text.splitlines():
        s = raw.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        lines.append(cur + s)
        cur = ""
    stages = []
    for line in lines:
        instr, _, rest = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            m = re.match(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", rest,
                         re.I)
            stages.append((m.group(1), m.group(2), []))
        elif stages:
            stages[-1][2].append((instr, rest.strip()))
    return stages


def apt_packages(instrs):
    pkgs = set()
    for instr, rest in instrs:
        if instr == "RUN" and "apt-get install" in rest:
            tail = rest.split("apt-get install", 1)[1]
            tail = re.split(r"&&|;", tail)[0]
            pkgs |= {w for w in tail.split() if not w.startswith("-")}
    return pkgs


def dockerignore_excluded(patterns, path):
    """Whether the last matching .dockerignore pattern excludes path."""
    excluded = False
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pat in patterns:
        neg = pat.startswith("!")
        p = pat[1:] if neg else pat
        p = p.strip("/")
        if p.startswith("**/"):
            hit = any(fnmatch.fnmatch(x.split("/")[-1], p[3:])
                      for x in prefixes)
        else:
            hit = any(fnmatch.fnmatch(x, p) for x in prefixes)
        if hit:
            excluded = not neg
    return excluded


def check_dockerfile(repo, checks, daemons):
    where = "deploy/docker/Dockerfile"
    if not checks.check(repo.exists(where), where, "exists"):
        return set()
    stages = dockerfile_stages(repo.read(where))
    if not checks.check(len(stages) >= 2, where,
                        "has a build stage and a runtime stage"):
        return set()
    build = next((s for s in stages if s[1] and s[1].lower() == "build"),
                 None)
    runtime = stages[-1]
    checks.check(build is not None and build[0] == "debian:bookworm", where,
                 "the build stage is 'FROM debian:bookworm AS build'")
    checks.check(runtime[0] == "debian:bookworm-slim", where,
                 f"the runtime stage is debian:bookworm-slim "
                 f"(found {runtime[0]})")
    if build is not None:
        pkgs = apt_packages(build[2])
        missing = [p for p in BUILD_PACKAGES if p not in pkgs]
        checks.check(not missing, where,
                     "the build stage installs " + ", ".join(BUILD_PACKAGES)
                     + (f" (missing {', '.join(missing)})" if missing
                        else ""))
        runs = " ".join(r for i, r in build[2] if i == "RUN")
        checks.check("cmake -S" in runs and "cmake --build" in runs, where,
                     "the build stage configures and builds with cmake")
        copied = " ".join(r for i, r in build[2] if i == "COPY")
        for src in ("CMakeLists.txt", "proto", "common", "tools",
                    "services", "tests"):
            checks.check(re.search(r"(^|\s)" + re.escape(src) + r"/?\s",
                                   copied + " ") is not None, where,
                         f"the build stage copies {src} (the build needs it)")
    pkgs = apt_packages(runtime[2])
    missing = [p for p in RUNTIME_LIBS if p not in pkgs]
    checks.check(not missing, where,
                 "the runtime stage installs the runtime libraries"
                 + (f" (missing {', '.join(missing)})" if missing else ""))
    dev = sorted(p for p in pkgs if p.endswith("-dev") or p in (
        "build-essential", "cmake", "gcc", "protobuf-c-compiler"))
    checks.check(not dev, where,
                 "the runtime stage installs no build tools or -dev "
                 f"packages{' (found ' + ', '.join(dev) + ')' if dev else ''}")
    users = [r for i, r in runtime[2] if i == "USER"]
    user = users[-1].split(":")[0] if users else "root"
    checks.check(user not in ("root", "0"), where,
                 f"the runtime stage runs as a non-root USER (found {user})")
    copies = [r for i, r in runtime[2] if i == "COPY"]
    binaries = set()
    for c in copies:
        m = re.search(r"--from=build\s+\S*/build/(?:services/([\w-]+)/\1|"
                      r"tools/(cdp-topics))\s", c + " ")
        if m:
            binaries.add(m.group(1) or m.group(2))
    checks.check(TOPICS_TOOL in binaries, where,
                 "the runtime stage copies cdp-topics from the build stage")
    checks.check(any(re.match(r"(--\S+\s+)*config/?\s", c) for c in copies),
                 where, "the runtime stage copies config/")
    for name in daemons:
        if repo.daemon_state(name) == "built":
            checks.check(name in binaries, where,
                         f"copies build/services/{name}/{name} "
                         f"(services/{name}/CMakeLists.txt exists)")
    for name in sorted(binaries - {TOPICS_TOOL}):
        check_deployed_daemon(repo, checks, where, name, daemons)

    ignore = ".dockerignore"
    if checks.check(repo.exists(ignore), ignore,
                    "exists at the root (the build context)"):
        pats = [line.strip() for line in repo.read(ignore).splitlines()
                if line.strip() and not line.strip().startswith("#")]
        for src in ("CMakeLists.txt", "proto", "common", "tools",
                    "services", "tests", "config"):
            checks.check(not dockerignore_excluded(pats, src), ignore,
                         f"keeps {src} in the build context")
        for junk in ("build", "build-test", ".local", ".git"):
            checks.check(dockerignore_excluded(pats, junk), ignore,
                         f"keeps {junk} out of the build context")
    return binaries


def check_deployed_daemon(repo, checks, where, name, daemons):
    """A daemon that a file deploys must exist (or be under way)."""
    if name not in daemons:
        checks.fail(where, f"'{name}' is not one of the platform's daemons "
                    f"({', '.join(daemons)})")
        return
    state = repo.daemon_state(name)
    if state == "in progress":
        checks.note(where, f"{name} is deployed but services/{name}/"
                    "CMakeLists.txt does not exist yet")
    else:
        checks.check(state == "built", where,
                     f"{name} exists (services/{name}/CMakeLists.txt)")


# ---------------------------------------------------------------------------
# docker-compose.yml

def compose_env(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return {k: (None if v is None else str(interpolate(v)))
            for k, v in env.items()}


def compose_depends(svc):
    dep = svc.get("depends_on") or {}
    if isinstance(dep, list):
        return {d: {"condition": "service_started"} for d in dep}
    return {d: (c or {"condition": "service_started"})
            for d, c in dep.items()}


def compose_command(svc):
    cmd = svc.get("command")
    if isinstance(cmd, str):
        return shlex.split(cmd)
    return [str(c) for c in cmd] if cmd else []


def compose_healthcheck_text(svc):
    hc = svc.get("healthcheck") or {}
    if hc.get("disable"):
        return None
    test = hc.get("test")
    if isinstance(test, list):
        return " ".join(str(t) for t in test)
    return test


def compose_container_ports(svc):
    ports = []
    for p in svc.get("ports") or []:
        if isinstance(p, dict):
            ports.append(int(p["target"]))
        else:
            ports.append(int(str(p).split(":")[-1].split("/")[0]))
    return ports


def check_compose(repo, checks, daemons, ports, binaries):
    where = "docker-compose.yml"
    if not checks.check(repo.exists(where), where, "exists"):
        return
    try:
        doc = yaml.safe_load(repo.read(where))
    except yaml.YAMLError as e:
        checks.fail(where, f"is not valid YAML: {e}")
        return
    services = (doc or {}).get("services") or {}
    if not checks.check(isinstance(services, dict) and services, where,
                        "has services"):
        return
    for need in ("kafka", "redis", "topics"):
        checks.check(need in services, where, f"has a '{need}' service")
    # Debian's docker-compose (1.29) predates the top-level name; the
    # project name comes from the folder or -p.
    checks.check("name" not in doc, where, "has no top-level name:")

    # References between services, and volumes.
    volumes = set((doc.get("volumes") or {}).keys())
    for name, svc in services.items():
        w = f"{where}: {name}"
        for dep, cond in compose_depends(svc).items():
            c = cond.get("condition", "service_started")
            if not checks.check(dep in services, w,
                                f"depends_on '{dep}' is a service"):
                continue
            checks.check(c in COMPOSE_CONDITIONS, w,
                         f"depends_on {dep}: condition '{c}' is one of "
                         + ", ".join(COMPOSE_CONDITIONS))
            if c == "service_healthy":
                checks.check(compose_healthcheck_text(services[dep])
                             is not None, w,
                             f"{dep} has a healthcheck ({name} waits for it"
                             " to be healthy)")
            if c == "service_completed_successfully":
                checks.check(str(services[dep].get("restart", "no"))
                             == "no", w,
                             f"{dep} is a one-shot (restart: \"no\"), as "
                             f"{name} waits for it to complete")
        for v in svc.get("volumes") or []:
            src = v.get("source") if isinstance(v, dict) else \
                str(v).split(":")[0]
            if src and not src.startswith((".", "/", "~", "$")):
                checks.check(src in volumes, w,
                             f"named volume '{src}' is declared under "
                             "top-level volumes")

    # Which services run which program.
    by_program = {}
    for name, svc in services.items():
        cmd = compose_command(svc)
        if cmd:
            by_program.setdefault(cmd[0], []).append(name)
    daemon_services = [(n, s) for n, s in services.items()
                       if compose_command(s)[:1]
                       and compose_command(s)[0] in daemons]
    for name in daemons:
        if repo.daemon_state(name) == "built":
            checks.check(name in by_program, where,
                         f"runs {name} (services/{name}/CMakeLists.txt "
                         "exists)")
    image_of_tool = None
    for name, svc in services.items():
        cmd = compose_command(svc)
        if cmd and (cmd[0] in daemons or cmd[0] == TOPICS_TOOL):
            w = f"{where}: {name}"
            checks.check(cmd[0] in binaries, w,
                         f"the image has {cmd[0]} (the Dockerfile copies it)")
            build = svc.get("build") or {}
            df = build.get("dockerfile") if isinstance(build, dict) else None
            ctx = build.get("context", ".") if isinstance(build, dict) \
                else build
            checks.check(df is not None and os.path.normpath(
                os.path.join(ctx, df)) == os.path.join(
                    "deploy", "docker", "Dockerfile"), w,
                "is built from deploy/docker/Dockerfile with the root as "
                "context")
            if image_of_tool is None:
                image_of_tool = svc.get("image")
            checks.check(svc.get("image") == image_of_tool, w,
                         "uses the same image as the other programs "
                         f"({image_of_tool})")

    instance_ids = {}
    kafka = services.get("kafka") or {}
    kafka_env = compose_env(kafka)
    for name, svc in daemon_services:
        w = f"{where}: {name}"
        program = compose_command(svc)[0]
        check_deployed_daemon(repo, checks, w, program, daemons)
        env = compose_env(svc)
        for var in DAEMON_ENV:
            checks.check(env.get(var), w, f"sets {var}")
        for var in sorted(env_required(repo, program)):
            checks.check(env.get(var), w, f"sets {var} ({program} requires "
                         "it: no default in its config table)")
        deps = compose_depends(svc)
        for dep, cond in (("kafka", "service_healthy"),
                          ("redis", "service_healthy"),
                          ("topics", "service_completed_successfully")):
            checks.check(deps.get(dep, {}).get("condition") == cond, w,
                         f"depends_on {dep} with condition {cond}")
        listen = hostport(env.get("HTTP_LISTEN"))
        if checks.check(listen is not None, w,
                        f"HTTP_LISTEN is host:port "
                        f"(found {env.get('HTTP_LISTEN')})"):
            port = listen[1]
            checks.check(port == ports.get(program), w,
                         f"HTTP_LISTEN's port {port} is {program}'s port "
                         f"{ports.get(program)} (scripts/lib/daemons.sh)")
            checks.check(listen[0] in ("0.0.0.0", "[::]"), w,
                         "HTTP_LISTEN listens on every interface (other "
                         "containers and the published port reach it)")
            admin = hostport(env.get("ADMIN_LISTEN"))
            checks.check(admin is not None and
                         admin[1] == port + ADMIN_PORT_OFFSET, w,
                         f"ADMIN_LISTEN's port is HTTP_LISTEN's port + "
                         f"{ADMIN_PORT_OFFSET} (found "
                         f"{env.get('ADMIN_LISTEN')})")
            cports = compose_container_ports(svc)
            for p in cports:
                checks.check(p in (port, port + ADMIN_PORT_OFFSET), w,
                             f"published container port {p} is "
                             f"HTTP_LISTEN's port {port} or ADMIN_LISTEN's")
            if program == "intake":
                checks.check(port in cports, w,
                             f"publishes the public API port {port}")
            hc = compose_healthcheck_text(svc)
            checks.check(hc is not None and "/healthz" in hc and (
                str(port) in hc or "HTTP_LISTEN" in hc), w,
                "has a healthcheck on /healthz at HTTP_LISTEN's port")
        level = env.get("LOG_LEVEL")
        checks.check(level in LOG_LEVELS, w,
                     f"LOG_LEVEL '{level}' is one of {'|'.join(LOG_LEVELS)}")
        brokers = hostport_list(env.get("KAFKA_BROKERS"))
        if checks.check(brokers is not None, w,
                        "KAFKA_BROKERS is a list of host:port"):
            for host, port in brokers:
                checks.check(host in services, w,
                             f"KAFKA_BROKERS names the service '{host}'")
                adv = kafka_env.get("KAFKA_ADVERTISED_LISTENERS") or ""
                checks.check(host == "kafka" and f"://{host}:{port}" in adv,
                             w, f"kafka advertises {host}:{port} "
                             "(KAFKA_ADVERTISED_LISTENERS)")
        redis = hostport(env.get("REDIS_ADDR"))
        if checks.check(redis is not None, w, "REDIS_ADDR is host:port"):
            checks.check(redis[0] == "redis" and redis[1] == 6379, w,
                         "REDIS_ADDR is the redis service's redis:6379")
        iid = env.get("INSTANCE_ID")
        if iid:
            checks.check(iid not in instance_ids, w,
                         f"INSTANCE_ID {iid} is unique (also on "
                         f"{instance_ids.get(iid)})")
            instance_ids[iid] = name
        env_read(repo, program, env.keys(), checks, w)

    # The topics one-shot.
    topics = services.get("topics")
    if topics is not None:
        w = f"{where}: topics"
        cmd = compose_command(topics)
        if checks.check(cmd[:1] == [TOPICS_TOOL], w, "runs cdp-topics"):
            file = topics_args(repo, cmd[1:], checks, w)
            if file is not None:
                checks.check(file.startswith("config/") and
                             repo.exists(file), w,
                             f"-f {file} is a file the image has "
                             "(config/ is copied to the working directory)")
        env = compose_env(topics)
        args = " ".join(cmd)
        checks.check(env.get("KAFKA_BROKERS") == "kafka:9092" or
                     " -b kafka:9092" in args, w,
                     "points cdp-topics at kafka:9092")
        checks.check(compose_depends(topics).get("kafka", {}).get(
            "condition") == "service_healthy", w,
            "depends_on kafka with condition service_healthy")
        env_read(repo, TOPICS_TOOL, env.keys(), checks, w)

    # Kafka and Redis as the daemons expect them.
    if kafka:
        w = f"{where}: kafka"
        version = repo.kafka_version()
        checks.check(kafka.get("image") == f"apache/kafka:{version}", w,
                     f"image is apache/kafka:{version} (the version of "
                     "deploy/local/kafka/pom.xml)")
        checks.check(compose_healthcheck_text(kafka) is not None, w,
                     "has a healthcheck")
        checks.check(kafka_env.get("KAFKA_PROCESS_ROLES") in (
            "broker,controller", "controller,broker"), w,
            "runs KRaft as broker and controller")
        node = kafka_env.get("KAFKA_NODE_ID")
        checks.check(node is not None and (kafka_env.get(
            "KAFKA_CONTROLLER_QUORUM_VOTERS") or "").startswith(
                f"{node}@"), w,
            "KAFKA_CONTROLLER_QUORUM_VOTERS names KAFKA_NODE_ID")
        checks.check(str(kafka_env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE"))
                     .lower() == "false", w,
                     "KAFKA_AUTO_CREATE_TOPICS_ENABLE is false (topics come "
                     "from config/topics.conf only)")
        checks.check(str(kafka_env.get(
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR")) == "1", w,
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR is 1 on one broker")
        cid = kafka_env.get("CLUSTER_ID") or ""
        try:
            ok = len(base64.urlsafe_b64decode(cid + "==")) == 16 and \
                len(cid) == 22
        except ValueError:
            ok = False
        checks.check(ok, w, "CLUSTER_ID is a base64 UUID (22 characters)")
        logdirs = kafka_env.get("KAFKA_LOG_DIRS")
        mounts = [str(v).split(":")[1] for v in kafka.get("volumes") or []
                  if isinstance(v, str) and ":" in v]
        checks.check(logdirs in mounts, w,
                     f"KAFKA_LOG_DIRS ({logdirs}) is on a volume")
    redis_svc = services.get("redis")
    if redis_svc is not None:
        w = f"{where}: redis"
        cmd = " ".join(compose_command(redis_svc))
        checks.check(re.search(r"--appendonly\s+yes", cmd) is not None, w,
                     "runs with --appendonly yes")
        checks.check(re.search(r"--appendfsync\s+everysec", cmd) is not None,
                     w, "runs with --appendfsync everysec")
        checks.check(any(str(v).split(":")[1:2] == ["/data"]
                         for v in redis_svc.get("volumes") or []), w,
                     "keeps /data on a volume")
        checks.check(compose_healthcheck_text(redis_svc) is not None, w,
                     "has a healthcheck")

    compose_config(repo, checks, where)


def compose_config(repo, checks, where):
    """docker-compose config -q (Debian's docker-compose, which ./dev
    setup installs), when it is here."""
    if shutil.which("docker-compose") is None:
        checks.note(where, "docker-compose is not installed: not parsed "
                    "by it (./dev setup installs it)")
        return
    try:
        r = subprocess.run(["docker-compose", "-f", repo.path(where),
                            "config", "-q"],
                           capture_output=True, text=True, timeout=60,
                           cwd=repo.root)
    except (OSError, subprocess.TimeoutExpired) as e:
        checks.fail(where, f"docker-compose config: {e}")
        return
    checks.check(r.returncode == 0, where,
                 "docker-compose config -q accepts it"
                 + (f": {r.stderr.strip()}" if r.returncode else ""))


# ---------------------------------------------------------------------------
# deploy/k8s

def k8s_load(repo, checks, folder=K8S_BASE):
    """{file: [objects]} of the folder's *.yaml, its kustomization too."""
    out = {}
    for path in sorted(glob.glob(repo.path(folder, "*.yaml")) +
                       glob.glob(repo.path(folder, "*.yml"))):
        rel = os.path.relpath(path, repo.root)
        try:
            with open(path, encoding="utf-8") as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            checks.fail(rel, f"is not valid YAML: {e}")
            continue
        out[rel] = docs
    return out


def labels_match(selector, labels):
    ml = (selector or {}).get("matchLabels") or {}
    return bool(ml) and all(labels.get(k) == v for k, v in ml.items())


def pod_spec(obj):
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def container_port(container, port):
    """The number a probe's or Service's port (name or number) means."""
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def check_pod_security(checks, where, spec):
    """The restricted Pod Security Standard, and a read-only root."""
    psc = spec.get("securityContext") or {}
    for c in spec.get("containers") or []:
        w = f"{where}: container {c.get('name')}"
        sc = c.get("securityContext") or {}
        non_root = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        uid = sc.get("runAsUser", psc.get("runAsUser"))
        checks.check(non_root is True, w, "runAsNonRoot is true")
        checks.check(uid is None or uid != 0, w, "runAsUser is not 0")
        checks.check(sc.get("allowPrivilegeEscalation") is False, w,
                     "allowPrivilegeEscalation is false")
        checks.check(sc.get("readOnlyRootFilesystem") is True, w,
                     "readOnlyRootFilesystem is true")
        drop = ((sc.get("capabilities") or {}).get("drop")) or []
        checks.check("ALL" in drop, w, "drops ALL capabilities")
        seccomp = (sc.get("seccompProfile") or
                   psc.get("seccompProfile") or {}).get("type")
        checks.check(seccomp in ("RuntimeDefault", "Localhost"), w,
                     "has a RuntimeDefault seccomp profile")
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                checks.check(r in (res.get(kind) or {}), w,
                             f"sets resources.{kind}.{r}")


def container_env(c, objects):
    """{name: entry} of env plus the keys of envFrom ConfigMaps/Secrets."""
    env = {e["name"]: e for e in c.get("env") or [] if "name" in e}
    for ef in c.get("envFrom") or []:
        for kind, ref in (("ConfigMap", "configMapRef"),
                          ("Secret", "secretRef")):
            if ref in ef:
                name = ef[ref].get("name")
                obj = objects.get((kind, name))
                data = {}
                if obj is not None:
                    data = dict(obj.get("data") or {})
                    data.update(obj.get("stringData") or {})
                for k, v in data.items():
                    env.setdefault(ef.get("prefix", "") + k,
                                   {"name": k, "value": v})
    return env


def env_value(entry, objects):
    if "value" in entry:
        return str(entry["value"])
    ref = (entry.get("valueFrom") or {}).get("configMapKeyRef")
    if ref:
        obj = objects.get(("ConfigMap", ref.get("name"))) or {}
        return (obj.get("data") or {}).get(ref.get("key"))
    return None


def check_refs(checks, where, spec, c, objects):
    """ConfigMaps and Secrets a pod names exist, with the keys it names."""
    for ef in c.get("envFrom") or []:
        for kind, ref in (("ConfigMap", "configMapRef"),
                          ("Secret", "secretRef")):
            if ref in ef:
                n = ef[ref].get("name")
                checks.check((kind, n) in objects, where,
                             f"envFrom {kind} '{n}' exists")
    for e in c.get("env") or []:
        for kind, ref in (("ConfigMap", "configMapKeyRef"),
                          ("Secret", "secretKeyRef")):
            r = (e.get("valueFrom") or {}).get(ref)
            if r:
                obj = objects.get((kind, r.get("name")))
                data = {}
                if obj:
                    data = dict(obj.get("data") or {})
                    data.update(obj.get("stringData") or {})
                checks.check(r.get("key") in data, where,
                             f"{e['name']} refers to {kind} "
                             f"{r.get('name')} key {r.get('key')}, "
                             "which exists")
    for v in spec.get("volumes") or []:
        for kind, src, key in (("ConfigMap", "configMap", "name"),
                               ("Secret", "secret", "secretName")):
            if src in v:
                n = v[src].get(key)
                checks.check((kind, n) in objects, where,
                             f"volume {v.get('name')}: {kind} '{n}' exists")
    names = {v.get("name") for v in spec.get("volumes") or []}
    for m in c.get("volumeMounts") or []:
        checks.check(m.get("name") in names, where,
                     f"volumeMount {m.get('name')} names a volume")


def file_in_mount(spec, c, path, objects, kind):
    """The key of a ConfigMap/Secret volume that path is, or None."""
    vols = {v.get("name"): v for v in spec.get("volumes") or []}
    for m in c.get("volumeMounts") or []:
        mp = m.get("mountPath", "").rstrip("/")
        if os.path.dirname(path) != mp:
            continue
        v = vols.get(m.get("name")) or {}
        src = v.get("configMap") if kind == "ConfigMap" else v.get("secret")
        if not src:
            continue
        obj = objects.get((kind, src.get("name") or src.get("secretName")))
        if not obj:
            continue
        data = dict(obj.get("data") or {})
        data.update(obj.get("stringData") or {})
        key = os.path.basename(path)
        items = src.get("items")
        if items:
            keys = {i.get("path"): i.get("key") for i in items}
            key = keys.get(key)
        if key in data:
            return data[key]
    return None


def check_termination(checks, cw, c, pspec):
    """preStop sleeps a few seconds (the Service drops the pod first), and
    the grace period covers it plus the daemon's own shutdown."""
    pre = ((c.get("lifecycle") or {}).get("preStop") or {}).get("exec") or {}
    cmd = [str(x) for x in pre.get("command") or []]
    secs = int(cmd[1]) if len(cmd) == 2 and cmd[0] == "sleep" and \
        cmd[1].isdigit() else None
    if checks.check(secs is not None and 1 <= secs <= PRESTOP_MAX_S, cw,
                    f"preStop sleeps 1 to {PRESTOP_MAX_S} s ({cmd})"):
        grace = pspec.get("terminationGracePeriodSeconds")
        checks.check(isinstance(grace, int) and
                     grace >= secs + DAEMON_SHUTDOWN_MAX_S, cw,
                     f"terminationGracePeriodSeconds ({grace}) covers preStop"
                     f" and the daemon's shutdown ({DAEMON_SHUTDOWN_MAX_S} s)")


def check_deployment(repo, checks, where, obj, objects, daemons, ports,
                     binaries):
    name = obj["metadata"]["name"]
    w = f"{where}: Deployment {name}"
    spec = obj.get("spec") or {}
    pspec = pod_spec(obj)
    labels = ((spec.get("template") or {}).get("metadata") or {}).get(
        "labels") or {}
    checks.check(labels_match(spec.get("selector"), labels), w,
                 "selector matches the pod template's labels")
    checks.check(isinstance(pspec.get("terminationGracePeriodSeconds"), int),
                 w, "sets terminationGracePeriodSeconds")
    check_pod_security(checks, w, pspec)
    containers = pspec.get("containers") or []
    for c in containers:
        cw = f"{w}: container {c.get('name')}"
        cmd = [str(x) for x in c.get("command") or []]
        program = cmd[0] if cmd else None
        if not checks.check(program in daemons, cw,
                            f"command names a daemon (found {program})"):
            continue
        check_deployed_daemon(repo, checks, cw, program, daemons)
        checks.check(program in binaries, cw,
                     f"the image has {program} (the Dockerfile copies it)")
        check_refs(checks, cw, pspec, c, objects)
        env = container_env(c, objects)
        for var in DAEMON_ENV:
            checks.check(var in env, cw, f"sets {var}")
        for var in sorted(env_required(repo, program)):
            checks.check(var in env, cw, f"sets {var} ({program} requires "
                         "it: no default in its config table)")
        iid = ((env.get("INSTANCE_ID") or {}).get("valueFrom") or {}).get(
            "fieldRef") or {}
        checks.check(iid.get("fieldPath") == "metadata.name", cw,
                     "INSTANCE_ID comes from metadata.name (downward API)")
        level = env_value(env.get("LOG_LEVEL") or {}, objects)
        checks.check(level in LOG_LEVELS, cw, f"LOG_LEVEL '{level}' is one "
                     f"of {'|'.join(LOG_LEVELS)}")
        for var, parse in (("KAFKA_BROKERS", hostport_list),
                           ("REDIS_ADDR", hostport)):
            val = env_value(env.get(var) or {}, objects)
            form = "a list of host:port" if var == "KAFKA_BROKERS" else \
                "host:port"
            checks.check(parse(val) is not None, cw,
                         f"{var} '{val}' is {form}")
        listen = hostport(env_value(env.get("HTTP_LISTEN") or {}, objects))
        if checks.check(listen is not None, cw, "HTTP_LISTEN is host:port"):
            port = listen[1]
            checks.check(port == ports.get(program), cw,
                         f"HTTP_LISTEN's port {port} is {program}'s port "
                         f"{ports.get(program)} (scripts/lib/daemons.sh)")
            checks.check(listen[0] in ("0.0.0.0", "[::]"), cw,
                         "HTTP_LISTEN listens on every interface (the "
                         "kubelet probes the pod's IP)")
            checks.check(port in [p.get("containerPort")
                                  for p in c.get("ports") or []], cw,
                         f"declares containerPort {port} (HTTP_LISTEN)")
            admin = hostport(env_value(env.get("ADMIN_LISTEN") or {},
                                       objects))
            aport = admin[1] if admin is not None else None
            checks.check(aport == port + ADMIN_PORT_OFFSET, cw,
                         f"ADMIN_LISTEN's port is HTTP_LISTEN's port + "
                         f"{ADMIN_PORT_OFFSET} (found {aport})")
            checks.check(aport in [p.get("containerPort")
                                   for p in c.get("ports") or []], cw,
                         f"declares containerPort {aport} (ADMIN_LISTEN)")
            for probe, path, want, var in (
                    ("livenessProbe", "/healthz", port, "HTTP_LISTEN"),
                    ("readinessProbe", "/readyz", aport, "ADMIN_LISTEN")):
                get = (c.get(probe) or {}).get("httpGet")
                if not checks.check(get is not None, cw,
                                    f"has a {probe} (httpGet)"):
                    continue
                checks.check(get.get("path") == path, cw,
                             f"{probe} asks {path} (found {get.get('path')})")
                checks.check(container_port(c, get.get("port")) == want, cw,
                             f"{probe} asks port {get.get('port')}, "
                             f"{var}'s {want}")
        check_termination(checks, cw, c, pspec)
        if "API_KEYS_FILE" in env:
            path = env_value(env["API_KEYS_FILE"], objects)
            content = file_in_mount(pspec, c, path or "", objects, "Secret")
            checks.check(content is not None, cw,
                         f"API_KEYS_FILE {path} is a key of a mounted "
                         "Secret")
        env_read(repo, program, env.keys(), checks, cw)
    return [(c, labels, spec.get("replicas", 1)) for c in containers]


def kustomization_files(repo, checks, folder):
    """The folder's kustomization and files; each file must be listed."""
    files = k8s_load(repo, checks, folder)
    kfile = os.path.join(folder, "kustomization.yaml")
    if not checks.check(kfile in files and files[kfile], kfile, "exists"):
        return None, None, None
    kust = files.pop(kfile)[0]
    listed = (kust.get("resources") or []) + [
        p.get("path") for p in kust.get("patches") or [] if p.get("path")]
    for r in listed:
        checks.check(repo.exists(folder, r), kfile,
                     f"lists {r}, which exists")
    for f in files:
        checks.check(os.path.basename(f) in listed, kfile,
                     f"lists {os.path.basename(f)}")
    # A JSON patch (a list of operations) changes objects, it is none.
    for f in [f for f, docs in files.items()
              if any(isinstance(d, list) for d in docs)]:
        del files[f]
    files.update(generated_configmaps(repo, checks, folder, kust))
    return kfile, kust, files


def generated_configmaps(repo, checks, folder, kust):
    """{first file: [ConfigMap]} of the kustomization's configMapGenerator
    (envs: files of NAME=value lines; files: one key per file), as
    kustomize makes them."""
    out = {}
    for gen in kust.get("configMapGenerator") or []:
        data, first = {}, None
        for kind in ("envs", "files"):
            for src in gen.get(kind) or []:
                rel = os.path.join(folder, src)
                if not checks.check(repo.exists(rel), rel, "exists"):
                    continue
                first = first or rel
                text = repo.read(rel)
                if kind == "files":
                    data[os.path.basename(src)] = text
                    continue
                for line in text.splitlines():
                    if line.strip() and not line.startswith("#"):
                        name, _, value = line.partition("=")
                        data[name] = value
        if first:
            out[first] = [{"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": gen.get("name")},
                           "data": data}]
    return out


def check_k8s(repo, checks, daemons, ports, binaries):
    """The base with the dev overlay's resources: what overlays/dev is."""
    kfile, kust, files = kustomization_files(repo, checks, K8S_BASE)
    if kust is None:
        return
    namespace = kust.get("namespace")
    nbase = sum(len(d) for d in files.values())
    dkfile, dkust, dfiles = kustomization_files(repo, checks, K8S_DEV)
    if dkust is not None:
        checks.check(os.path.normpath(os.path.join(K8S_DEV, "../../base"))
                     == K8S_BASE and "../../base" in (
                         dkust.get("resources") or []), dkfile,
                     "builds on the base (resources: ../../base)")
        for r in dkust.get("resources") or []:
            f = os.path.join(K8S_DEV, r)
            if f in dfiles:
                files[f] = dfiles[f]

    objects = {}
    for f, docs in files.items():
        for d in docs:
            kind = d.get("kind")
            meta = d.get("metadata") or {}
            ok = checks.check(kind in K8S_API_VERSIONS and d.get(
                "apiVersion") == K8S_API_VERSIONS.get(kind) and
                meta.get("name"), f,
                f"{kind} {meta.get('name')} has apiVersion "
                f"{K8S_API_VERSIONS.get(kind)} and a name")
            if not ok:
                continue
            if kind != "Namespace":
                checks.check(meta.get("namespace") in (None, namespace), f,
                             f"{kind} {meta['name']} is in namespace "
                             f"{namespace}")
            key = (kind, meta["name"])
            checks.check(key not in objects, f,
                         f"{kind} {meta['name']} is defined once")
            objects[key] = d
            objects[key]["_file"] = f
    checks.check(("Namespace", namespace) in objects, kfile,
                 f"the namespace {namespace} is defined")

    deployments = []
    where_of = {k: v.pop("_file") for k, v in objects.items()}
    for (kind, name), obj in objects.items():
        if kind == "Deployment":
            for c, labels, replicas in check_deployment(
                    repo, checks, where_of[(kind, name)], obj, objects,
                    daemons, ports, binaries):
                deployments.append((name, c, labels, replicas))
    deployed = {(c.get("command") or [None])[0] for _, c, _, _ in
                deployments}
    for name in daemons:
        if repo.daemon_state(name) == "built":
            checks.check(name in deployed, "deploy/k8s",
                         f"has a Deployment running {name} "
                         f"(services/{name}/CMakeLists.txt exists)")
    for dep, c, _, replicas in deployments:
        if (c.get("command") or [None])[0] == "intake":
            checks.check(isinstance(replicas, int) and replicas >= 2,
                         "deploy/k8s", "intake runs at least 2 replicas")

    for (kind, name), obj in objects.items():
        w = f"{where_of[(kind, name)]}: {kind} {name}"
        spec = obj.get("spec") or {}
        if kind == "Service":
            sel = spec.get("selector") or {}
            targets = [d for d in deployments if sel and all(
                d[2].get(k) == v for k, v in sel.items())]
            if checks.check(bool(targets), w,
                            "selector matches a Deployment's pods"):
                for p in spec.get("ports") or []:
                    tp = p.get("targetPort", p.get("port"))
                    cp = container_port(targets[0][1], tp)
                    checks.check(cp in [x.get("containerPort") for x in
                                        targets[0][1].get("ports") or []],
                                 w, f"targetPort {tp} is a container port")
        elif kind == "PodDisruptionBudget":
            targets = [d for d in deployments
                       if labels_match(spec.get("selector"), d[2])]
            if checks.check(bool(targets), w,
                            "selector matches a Deployment's pods"):
                ma = spec.get("minAvailable")
                mu = spec.get("maxUnavailable")
                if isinstance(ma, str) and re.fullmatch(r"\d+%", ma):
                    ok = int(ma[:-1]) < 100
                elif mu is not None:
                    ok = isinstance(mu, int) and mu >= 1
                else:
                    ok = isinstance(ma, int) and ma < targets[0][3]
                checks.check(ok, w, "minAvailable is below the replicas "
                             "(or maxUnavailable at least 1), so nodes can "
                             "still be drained")
        elif kind == "HorizontalPodAutoscaler":
            ref = spec.get("scaleTargetRef") or {}
            target = [d for d in deployments if d[0] == ref.get("name")]
            checks.check(ref.get("kind") == "Deployment" and bool(target), w,
                         f"scales the Deployment {ref.get('name')}, "
                         "which exists")
            lo, hi = spec.get("minReplicas", 1), spec.get("maxReplicas")
            checks.check(isinstance(hi, int) and 1 <= lo <= hi, w,
                         "1 <= minReplicas <= maxReplicas")
            for m in spec.get("metrics") or []:
                res = (m.get("resource") or {})
                if target and res.get("name") and (res.get("target") or {}
                                                   ).get("type") == \
                        "Utilization":
                    checks.check(res["name"] in ((target[0][1].get(
                        "resources") or {}).get("requests") or {}), w,
                        f"the container requests {res['name']} (the "
                        "utilization is measured against it)")
        elif kind == "Job":
            check_job(repo, checks, w, obj, objects, binaries)
        elif kind == "ConfigMap" and "topics.conf" in (obj.get("data") or
                                                       {}):
            checks.check(obj["data"]["topics.conf"] ==
                         repo.read("config", "topics.conf"), w,
                         "topics.conf is a verbatim copy of "
                         "config/topics.conf")
        elif kind == "Secret":
            check_secret(repo, checks, w, obj)

    kustomize(repo, checks, K8S_BASE, nbase)
    kustomize(repo, checks, K8S_DEV, sum(len(d) for d in files.values()))


def check_job(repo, checks, w, obj, objects, binaries):
    pspec = pod_spec(obj)
    checks.check(pspec.get("restartPolicy") in ("Never", "OnFailure"), w,
                 "restartPolicy is Never or OnFailure")
    check_pod_security(checks, w, pspec)
    for c in pspec.get("containers") or []:
        cw = f"{w}: container {c.get('name')}"
        cmd = [str(x) for x in (c.get("command") or []) +
               (c.get("args") or [])]
        if not checks.check(cmd[:1] == [TOPICS_TOOL], cw,
                            "runs cdp-topics"):
            continue
        checks.check(TOPICS_TOOL in binaries, cw,
                     "the image has cdp-topics (the Dockerfile copies it)")
        check_refs(checks, cw, pspec, c, objects)
        file = topics_args(repo, cmd[1:], checks, cw)
        env = container_env(c, objects)
        if "-b" not in cmd and "--brokers" not in cmd:
            val = env_value(env.get("KAFKA_BROKERS") or {}, objects)
            checks.check(hostport_list(val) is not None, cw,
                         "KAFKA_BROKERS (cdp-topics' default for -b) is a "
                         "list of host:port")
        if file:
            content = file_in_mount(pspec, c, file, objects, "ConfigMap")
            checks.check(content is not None, cw,
                         f"-f {file} is a key of a mounted ConfigMap")
        env_read(repo, TOPICS_TOOL, env.keys(), checks, cw)


def check_secret(repo, checks, w, obj):
    data = dict(obj.get("stringData") or {})
    for k, v in (obj.get("data") or {}).items():
        try:
            data[k] = base64.b64decode(v).decode()
        except ValueError:
            checks.fail(w, f"data.{k} is not base64")
    if "api-keys.conf" not in data:
        return
    text = data["api-keys.conf"]
    if SECRET_PLACEHOLDER in text:
        checks.note(w, "api-keys.conf is a placeholder" + (
            "; config/api-keys.conf exists now: copy it here"
            if repo.exists("config", "api-keys.conf") else ""))
        return
    for i, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        checks.check(len(f) == 5 and re.fullmatch(r"[0-9a-fA-F]{64}", f[2])
                     is not None, w,
                     f"api-keys.conf line {i} is <name> <role> <sha256> "
                     "<rate> <burst>")
    if repo.exists("config", "api-keys.conf"):
        checks.check(text == repo.read("config", "api-keys.conf"), w,
                     "api-keys.conf is a verbatim copy of "
                     "config/api-keys.conf (the development example)")


def kustomize_build(repo, folder):
    """kubectl kustomize's objects, its error text, or None without it."""
    if shutil.which("kubectl") is None:
        return None
    try:
        r = subprocess.run(["kubectl", "kustomize", repo.path(folder)],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return r.stderr.strip()
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def kustomize(repo, checks, folder, nobjects):
    """kubectl kustomize builds the set, when kubectl is here."""
    kfile = os.path.join(folder, "kustomization.yaml")
    built = kustomize_build(repo, folder)
    if built is None or not checks.check(
            not isinstance(built, str), kfile,
            f"kubectl kustomize builds it: {built}"
            if isinstance(built, str) else "kubectl kustomize builds it"):
        return
    checks.check(len(built) == nobjects, kfile,
                 f"kubectl kustomize yields every object ({len(built)} of "
                 f"{nobjects})")


# ---------------------------------------------------------------------------
# Development keys: public, so only ./dev, compose and overlays/dev have them

def dev_key_hashes(repo):
    """The dev keys' hashes, and their names' (each dev key is its name)."""
    hashes = set()
    if not repo.exists(DEV_KEYS):
        return hashes
    for line in repo.read(DEV_KEYS).splitlines():
        f = line.split("#", 1)[0].split()
        if len(f) == 5:
            hashes.add(f[2].lower())
            hashes.add(hashlib.sha256(f[0].encode()).hexdigest())
    return hashes


def has_dev_hash(text, hashes):
    text = text.lower()
    return any(h in text for h in hashes)


def dev_mode_of(objects, name="intake"):
    """CDP_DEV_MODE of the named Deployment's containers: [value or None]."""
    out = []
    for d in objects:
        if not isinstance(d, dict) or d.get("kind") != "Deployment" or (
                d.get("metadata") or {}).get(
                "name") != name:
            continue
        for c in pod_spec(d).get("containers") or []:
            env = {e.get("name"): e.get("value") for e in c.get("env") or []}
            out.append(env.get(DEV_MODE))
    return out


def check_image_dev_keys(repo, checks, hashes):
    """The image gets config/ minus what .dockerignore keeps out."""
    ignore = ".dockerignore"
    pats = [line.strip() for line in repo.read(ignore).splitlines()
            if line.strip() and not line.strip().startswith("#")] \
        if repo.exists(ignore) else []
    checks.check(dockerignore_excluded(pats, DEV_KEYS), ignore,
                 f"keeps {DEV_KEYS} (the public dev keys) out of the image")
    for root, _, names in os.walk(repo.path("config")):
        for n in sorted(names):
            rel = os.path.relpath(os.path.join(root, n), repo.root)
            if dockerignore_excluded(pats, rel):
                continue
            with open(repo.path(rel), encoding="utf-8",
                      errors="replace") as f:
                checks.check(not has_dev_hash(f.read(), hashes),
                             "deploy/docker/Dockerfile",
                             f"the image ships no dev key hash (in {rel})")


def check_dev_keys(repo, checks):
    """The image and the base ship no dev key; only overlays/dev runs
    intake in dev mode, and compose (a dev stack) too."""
    hashes = dev_key_hashes(repo)
    if not checks.check(bool(hashes), DEV_KEYS, "holds the dev keys"):
        return
    check_image_dev_keys(repo, checks, hashes)
    base = []
    for path in sorted(glob.glob(repo.path(K8S_BASE, "**"), recursive=True)):
        if not os.path.isfile(path):
            continue
        rel = os.path.relpath(path, repo.root)
        text = repo.read(rel)
        checks.check(not has_dev_hash(text, hashes), rel,
                     "ships no dev key hash")
        if path.endswith(".yaml"):
            base += [d for d in yaml.safe_load_all(text) if d]
    checks.check(dev_mode_of(base) and not any(dev_mode_of(base)),
                 K8S_BASE, f"intake runs without {DEV_MODE} in the base")
    patches = []
    for path in sorted(glob.glob(repo.path(K8S_DEV, "*.yaml"))):
        patches += [d for d in yaml.safe_load_all(
            repo.read(os.path.relpath(path, repo.root))) if d]
    checks.check("1" in dev_mode_of(patches), K8S_DEV,
                 f"patches intake with {DEV_MODE}=1")
    for folder, want in ((K8S_BASE, False), (K8S_DEV, True)):
        built = kustomize_build(repo, folder)
        if isinstance(built, list):
            modes = dev_mode_of(built)
            checks.check(bool(modes) and all(
                (m == "1") == want for m in modes), folder,
                f"kubectl kustomize builds intake with{'' if want else 'out'}"
                f" {DEV_MODE}=1")
            checks.check(has_dev_hash(yaml.safe_dump_all(built), hashes)
                         == want, folder, "kubectl kustomize builds "
                         + ("the dev keys in" if want else "no dev key"))
    compose = yaml.safe_load(repo.read("docker-compose.yml")) \
        if repo.exists("docker-compose.yml") else {}
    env = compose_env(((compose or {}).get("services") or {}).get(
        "intake") or {})
    checks.check(env.get(DEV_MODE) == "1", "docker-compose.yml: intake",
                 f"sets {DEV_MODE}=1 (the compose stack is for development "
                 "and uses the dev keys)")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)),
                    help="the repository to check (default: this one)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print passed checks too")
    args = ap.parse_args()
    repo = Repo(os.path.abspath(args.root))
    checks = Checks(args.verbose)

    ports = repo.daemon_ports()
    daemons = list(ports)
    if not checks.check(bool(daemons), "scripts/lib/daemons.sh",
                        "DAEMON_PORT names the daemons and their ports"):
        print(f"{checks.passed} passed, {checks.failed} failed")
        return 1
    binaries = check_dockerfile(repo, checks, daemons)
    check_compose(repo, checks, daemons, ports, binaries)
    check_k8s(repo, checks, daemons, ports, binaries)
    check_dev_keys(repo, checks)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
