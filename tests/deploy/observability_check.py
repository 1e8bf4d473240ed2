#!/usr/bin/env python3
"""compose's observability profile, offline: deploy/observability/.

  - prometheus.yml scrapes every daemon that is built, at its admin port
    (its port in scripts/lib/daemons.sh + 1000);
  - the Grafana dashboard JSON parses, and every metric its queries and
    alerts.yml's rules name is one a daemon exports (metrics_counter,
    _gauge, _gauge_fn, _histogram in common/ and services/; a histogram
    as _bucket, _count, _sum), or Prometheus' own `up`;
  - alerts.yml alerts on consumer lag, SLA firings, dead letters and
    daemons that do not answer.

    python3 tests/deploy/observability_check.py [--root DIR]
"""

import argparse
import glob
import json
import os
import re
import sys

import settings
from tally import Tally
from settings_check import yaml

OBS = os.path.join("deploy", "observability")
DASHBOARD = os.path.join(OBS, "grafana", "dashboards", "cdp.json")
ADMIN_OFFSET = 1000
PROMQL_WORDS = {"by", "without", "offset", "on", "ignoring", "group_left",
                "group_right", "and", "or", "unless", "bool", "up"}
ALERTED = ("kafka_consumer_lag_messages", "sla_fire_lag_seconds_count",
           "kafka_dead_lettered_total", "up")


def exported(root):
    """Metric names the daemons export, histograms' series included."""
    names = set()
    for path in glob.glob(os.path.join(root, "common", "*.c")) + glob.glob(
            os.path.join(root, "services", "*", "*.c")):
        with open(path, encoding="utf-8", errors="replace") as f:
            for kind, name in re.findall(
                    r'metrics_(counter|gauge|gauge_fn|histogram)\(\s*'
                    r'"([a-z_:][a-z0-9_:]*)"', f.read()):
                names.add(name)
                if kind == "histogram":
                    names |= {name + s for s in ("_bucket", "_count", "_sum")}
    return names


def metrics_of(expr):
    """The metric names a PromQL expression reads."""
    e = re.sub(r'"[^"]*"', "", expr)
    e = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without)\s*\([^)]*\)", "", e)
    names = re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", e)
    return {n for n in names if n not in PROMQL_WORDS - {"up"} and
            not re.fullmatch(r"\d+[smhdwy]?", n)}


def daemon_ports(root):
    with open(os.path.join(root, "scripts", "lib", "daemons.sh"),
              encoding="utf-8") as f:
        m = re.search(r"DAEMON_PORT=\((.*?)\)", f.read(), re.S)
    return {n: int(p) for n, p in re.findall(r"\[([\w-]+)\]=(\d+)",
                                             m.group(1) if m else "")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".")
    root = ap.parse_args().root
    t = Tally()

    with open(os.path.join(root, OBS, "prometheus.yml"), encoding="utf-8") as f:
        prom = yaml.safe_load(f)
    targets = {sc["job_name"]: t for sc in prom.get("scrape_configs") or []
               for s in sc.get("static_configs") or []
               for t in s.get("targets") or []}
    ports = daemon_ports(root)
    for d in settings.daemons(root):
        want = f"{d}:{ports.get(d, 0) + ADMIN_OFFSET}"
        t.check(targets.get(d) == want,
              f"prometheus.yml: scrapes {d} at {want} ({targets.get(d)})")

    have = exported(root) | {"up"}
    with open(os.path.join(root, DASHBOARD), encoding="utf-8") as f:
        dash = json.load(f)
    exprs = [t["expr"] for p in dash.get("panels") or []
             for t in p.get("targets") or []]
    t.check(bool(exprs), f"{DASHBOARD}: has queries")
    with open(os.path.join(root, OBS, "alerts.yml"), encoding="utf-8") as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    alert_exprs = [r["expr"] for r in rules]
    for where, expr in [(DASHBOARD, e) for e in exprs] + [
            ("alerts.yml", e) for e in alert_exprs]:
        for m in sorted(metrics_of(expr)):
            t.check(m in have, f"{where}: {m} (in {expr!r}) is exported by "
                  "a daemon")
    used = set().union(*(metrics_of(e) for e in alert_exprs)) \
        if alert_exprs else set()
    for m in ALERTED:
        t.check(m in used, f"alerts.yml: alerts on {m}")

    return t.report()


if __name__ == "__main__":
    sys.exit(main())
