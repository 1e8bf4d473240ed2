#!/usr/bin/env python3
"""The rendered dev overlay (kubectl kustomize) has what running the
daemons at scale needs, for every daemon that is built:

  - a Deployment with /healthz liveness and /readyz readiness probes, CPU
    and memory requests and limits, non-root, read-only root file system;
  - a PodDisruptionBudget selecting its pods;
  - a HorizontalPodAutoscaler on CPU for each of SCALED, aimed at an
    existing Deployment;
  - Services, and NetworkPolicy ingress on the serving port, for PUBLIC
    only: the other daemons take no traffic but Prometheus' scrape of the
    admin port;
  - the rules and policy files under deploy/k8s/base/rules/ are byte for
    byte those of config/, and each is a key of the ConfigMap cdp-rules.

    python3 tests/deploy/k8s_check.py [--root DIR]
"""

import argparse
import os
import sys

import settings
from tally import Tally
from settings_check import run, yaml

DEV_OVERLAY = os.path.join("deploy", "k8s", "overlays", "dev")
RULES = os.path.join("deploy", "k8s", "base", "rules")
SCALED = ("classifier", "sla-timer", "notifier")
PUBLIC = ("intake", "analytics")


def selects(selector, name):
    """Does a label selector pick the pods of the daemon name?"""
    ml = (selector or {}).get("matchLabels") or {}
    if ml.get("app.kubernetes.io/name") == name:
        return True
    for e in (selector or {}).get("matchExpressions") or []:
        if e.get("key") == "app.kubernetes.io/name" and \
                e.get("operator") == "In" and name in e.get("values", []):
            return True
    return False


def check_daemon(t, d, by_kind):
    dep = by_kind["Deployment"].get(d)
    if not t.check(dep is not None, f"{d} has a Deployment"):
        return
    pod = dep["spec"]["template"]["spec"]
    c = pod["containers"][0]
    t.check((c.get("livenessProbe") or {}).get("httpGet", {}).get("path")
            == "/healthz", f"{d}: liveness probe on /healthz")
    t.check((c.get("readinessProbe") or {}).get("httpGet", {}).get("path")
            == "/readyz", f"{d}: readiness probe on /readyz")
    res = c.get("resources") or {}
    for part in ("requests", "limits"):
        t.check(set((res.get(part) or {})) >= {"cpu", "memory"},
                f"{d}: {part} for cpu and memory")
    sc = c.get("securityContext") or {}
    t.check((pod.get("securityContext") or {}).get("runAsNonRoot") is True
            and sc.get("readOnlyRootFilesystem") is True,
            f"{d}: non-root with a read-only root file system")
    t.check(any(selects(p["spec"].get("selector"), d)
                for p in by_kind["PodDisruptionBudget"].values()),
            f"{d} has a PodDisruptionBudget")
    hpa = by_kind["HorizontalPodAutoscaler"].get(d)
    if d in SCALED:
        t.check(hpa is not None and hpa["spec"]["scaleTargetRef"]["name"]
                in by_kind["Deployment"] and any(
                    m.get("resource", {}).get("name") == "cpu"
                    for m in hpa["spec"].get("metrics") or []),
                f"{d} has an HPA on CPU aimed at its Deployment")
    public = d in PUBLIC
    t.check((d in by_kind["Service"]) == public,
            f"{d} {'has' if public else 'has no'} Service")
    open_http = any(
        selects(p["spec"].get("podSelector"), d) and any(
            not r.get("from") and any(pt.get("port") in ("http", 8080, 8090)
                                      for pt in r.get("ports") or [])
            for r in p["spec"].get("ingress") or [])
        for p in by_kind["NetworkPolicy"].values())
    t.check(open_http == public, f"{d}: reachable from outside only if "
            f"public ({open_http})")


def check_rules(t, root, objs):
    """The rules ConfigMap's files are copies of config/'s."""
    keys = set()
    for o in objs:
        if o["kind"] == "ConfigMap" and \
                o["metadata"]["name"].startswith("cdp-rules"):
            keys |= set(o.get("data") or {})
    names = sorted(os.listdir(os.path.join(root, RULES)))
    t.check(bool(names), f"{RULES} holds the rules files")
    for n in names:
        with open(os.path.join(root, RULES, n), "rb") as a, \
                open(os.path.join(root, "config", n), "rb") as b:
            t.check(a.read() == b.read(), f"{RULES}/{n} is config/{n} byte "
                    "for byte (copy it again)")
        t.check(n in keys, f"{n} is a key of ConfigMap cdp-rules")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".")
    root = ap.parse_args().root
    objs = [o for o in yaml.safe_load_all(
        run(root, ["kubectl", "kustomize", DEV_OVERLAY])) if o]
    by_kind = {k: {} for k in ("Deployment", "PodDisruptionBudget",
                               "HorizontalPodAutoscaler", "Service",
                               "NetworkPolicy")}
    for o in objs:
        if o["kind"] in by_kind:
            by_kind[o["kind"]][o["metadata"]["name"]] = o
    t = Tally(DEV_OVERLAY)
    t.check(any(p["spec"].get("podSelector") == {} and
                not p["spec"].get("ingress")
                for p in by_kind["NetworkPolicy"].values()),
            "a NetworkPolicy denies ingress by default")
    check_rules(t, root, objs)
    daemons = settings.daemons(root)
    t.check(bool(daemons), "daemons found under services/")
    for d in daemons:
        check_daemon(t, d, by_kind)
    return t.report()


if __name__ == "__main__":
    sys.exit(main())
