#!/usr/bin/env python3
"""Every setting a daemon reads is set where it is deployed, and documented.

The settings come from the C sources (settings.py: the config_setting
tables of common/ and services/<name>/). For each daemon that is built:

  - docker-compose.yml, as `docker-compose config` resolves it (env_file
    included), sets each of them in the daemon's service (of a secret that
    can come as a value or a file, or of Redis's address or list of
    addresses, one of the two: EITHER);
  - deploy/k8s/overlays/dev, as `kubectl kustomize` renders it, sets each
    of them in the daemon's container (env, or a key of a ConfigMap or
    Secret named by envFrom);
  - docs/operations.md names each of them in its "Settings" section.

    python3 tests/deploy/settings_check.py [--root DIR]

Prints "FAIL <where>: <what>" per missing setting, ends with "N passed,
N failed", exits 1 when any failed. Needs docker-compose and kubectl
(./dev setup installs docker-compose; kubectl kustomize is kubectl's).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

import settings
from tally import Tally

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    if os.path.exists("/usr/bin/python3") and os.path.realpath(
            sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("settings_check.py: python3-yaml is missing")

# Two ways to give one setting: a deployment sets one of each pair (the
# daemons refuse both at once), and counts as giving both: a secret as a
# value or a file, Redis as one address or a sharded list.
EITHER = {"REDIS_PASSWORD": "REDIS_PASSWORD_FILE",
          "REDIS_PASSWORD_FILE": "REDIS_PASSWORD",
          "REDIS_ADDR": "REDIS_ADDRS",
          "REDIS_ADDRS": "REDIS_ADDR"}

DEV_OVERLAY = os.path.join("deploy", "k8s", "overlays", "dev")
OPERATIONS = os.path.join("docs", "operations.md")
SETTINGS_HEADING = "## Settings"


def run(root, argv):
    """stdout of argv run in root; exits with its error when it fails."""
    if shutil.which(argv[0]) is None:
        sys.exit(f"settings_check.py: {argv[0]} is not installed "
                 "(./dev setup)")
    r = subprocess.run(argv, cwd=root, capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        sys.exit(f"settings_check.py: {' '.join(argv)}: {r.stderr.strip()}")
    return r.stdout


def compose_env(root):
    """service -> names of the variables it is given."""
    cfg = yaml.safe_load(run(root, ["docker-compose", "-f",
                                    "docker-compose.yml", "config"]))
    out = {}
    for name, svc in (cfg.get("services") or {}).items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.partition("=")[::2] for e in env)
        out[name] = set(env)
    return out


def k8s_env(root):
    """Deployment -> names of the variables its first container gets."""
    objs = [o for o in yaml.safe_load_all(
        run(root, ["kubectl", "kustomize", DEV_OVERLAY])) if o]
    keys = {(o["kind"], o["metadata"]["name"]):
            set((o.get("data") or {}) | (o.get("stringData") or {}))
            for o in objs if o["kind"] in ("ConfigMap", "Secret")}
    out = {}
    for o in objs:
        if o["kind"] != "Deployment":
            continue
        c = o["spec"]["template"]["spec"]["containers"][0]
        names = {e["name"] for e in c.get("env") or []}
        for src in c.get("envFrom") or []:
            for kind, field in (("ConfigMap", "configMapRef"),
                                ("Secret", "secretRef")):
                if field in src:
                    names |= keys.get((kind, src[field]["name"]), set())
        out[o["metadata"]["name"]] = names
    return out


def documented(root):
    """Setting names in the Settings section of docs/operations.md."""
    with open(os.path.join(root, OPERATIONS), encoding="utf-8") as f:
        text = f.read()
    start = text.find(SETTINGS_HEADING + "\n")
    if start < 0:
        return set()
    end = text.find("\n## ", start + 1)
    section = text[start:end if end > 0 else len(text)]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".")
    root = ap.parse_args().root
    daemons = settings.daemons(root)
    where = {"docker-compose.yml": compose_env(root),
             DEV_OVERLAY: k8s_env(root)}
    docs = documented(root)
    t = Tally()
    for d in daemons:
        for name in sorted(settings.of(root, d)):
            for file, env in where.items():
                given = env.get(d, set())
                t.check(name in given or EITHER.get(name) in given,
                        f"{file}: {d} is not given {name}")
            t.check(name in docs, f"{OPERATIONS}: {name} ({d}) is not in "
                    f"\"{SETTINGS_HEADING[3:]}\"")
    t.check(bool(daemons), "services/: no daemon found")
    return t.report()


if __name__ == "__main__":
    sys.exit(main())
