#!/usr/bin/env python3
"""Secrets scan of a test run (ctest security.secrets_scan, run last).

Reads every log the run left: the daemons' own log files (kept under
CDP_TEST_LOG_DIR by tests/lib/testproc.c, which ./dev test sets), the
Kafka, Redis and ctest logs of the test environment (the directory above
it), the test broker's topic segments (the events themselves: producers
do not compress, so their strings are there as written; searched for
secrets only, since a filed complaint rightly carries the customer's
phone), and ctest's record of every test's output (Testing/Temporary/
LastTest.log, .tmp while ctest runs, where the daemons that log to the
test's stderr end up), and the /metrics answers kept beside the daemons'
logs (testproc_keep_metrics(), called as intake, the notifier, penalty,
analytics and the e2e stories' daemons stop).
It fails when any line holds:

- a test API key: every key the tests present starts with
  INTAKE_KEY_PREFIX (tests/integration/intake_harness.h), while logs and
  events name keys only by their names;
- a webhook secret or a password known to the tests and the config:
  merchants files' `secret =`, `*SECRET*=`/`*PASSWORD*=` settings in
  config/ and in the tests, `#define ..._SECRET "..."`, setenv() of such a
  setting, and the whsec-<merchant>-<env>-secret pattern the tests build;
- in a daemon's output (a kept log or metrics file, or a JSON line with a
  "service" elsewhere), an unmasked phone number or e-mail address (daemons
  mask both, common/mask.c).

Prints each finding as file:line: what, and exits 1 if there is any.
"""
import argparse
import glob
import os
import re
import sys

KEY_PREFIX = "cdp-testkey-"
WHSEC = re.compile(r"whsec-[A-Za-z0-9]+-(?:test|dev|demo)-secret")
MIN_SECRET = 8

DEFINE = re.compile(
    r'#define\s+\w*(?:SECRET|PASSWORD|PASSWD)\w*\s+"([^"%]+)"')
SETTING_IN_C = re.compile(r'"\w*(?:SECRET|PASSWORD)\w*=([^"%\s]+)')
SETENV = re.compile(
    r'setenv\("\w*(?:SECRET|PASSWORD)\w*",\s*"([^"%]+)"')
SETTING_IN_ENV = re.compile(
    r'^\s*(?:export\s+)?\w*(?:SECRET|PASSWORD)\w*=["\']?([^"\'\s#]+)', re.M)
MERCHANT_SECRET = re.compile(r"^\s*secret\s*=\s*(\S+)", re.M)

PHONE = re.compile(r"(?<![0-9*])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")
# Ids the daemons log are hex: UUIDs (meta_derive_id(), event ids) and
# trace ids. One in a few thousand holds a run of 11 digits that reads as
# a phone number (CI once flagged notification ...a16025339579...), so
# they are taken out of a line before phones are looked for. A phone is
# digits only and never matches.
HEX_ID = re.compile(
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
    r"[0-9A-Fa-f]{12}|(?<![0-9A-Za-z])[0-9a-f]{16,}(?![0-9A-Za-z])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def known_secrets(root):
    """The secret values the tests and the config use."""
    found = set()
    for path in glob.glob(os.path.join(root, "tests", "**", "*.c"),
                          recursive=True):
        text = read(path)
        for rx in (DEFINE, SETTING_IN_C, SETENV):
            found.update(rx.findall(text))
    for path in glob.glob(os.path.join(root, "config", "*")):
        text = read(path)
        found.update(SETTING_IN_ENV.findall(text))
        found.update(MERCHANT_SECRET.findall(text))
    return sorted(s for s in found
                  if len(s) >= MIN_SECRET and not s.startswith("$"))


def log_files(build):
    """Every log a test run leaves, as far as this run can see it."""
    # While ctest runs, this run's record is LastTest.log.tmp (renamed at
    # the end); LastTest.log is then the previous run's.
    record = os.path.join(build, "Testing", "Temporary", "LastTest.log")
    files = [record + ".tmp" if os.path.exists(record + ".tmp") else record]
    kept = os.environ.get("CDP_TEST_LOG_DIR", "")
    if kept:
        state = os.path.dirname(kept.rstrip("/"))
        files += glob.glob(os.path.join(kept, "*.log"))
        files += [p for p in glob.glob(os.path.join(state, "**", "*.log"),
                                       recursive=True)
                  if not p.startswith(kept)]
        files += glob.glob(os.path.join(state, "kafka", "logs", "*"))
    return [p for p in files if os.path.isfile(p)]


def kind(path, kept):
    """What a file is, for the summary."""
    if "/Testing/Temporary/" in path:
        return "ctest record"
    if kept and path.startswith(kept + "/"):
        return "daemon logs and metrics"
    if "/kafka/data/" in path:
        return "topic segments (the events)"
    return "Kafka, Redis and ctest logs"


def daemon_line(line):
    s = line.lstrip()
    return s.startswith("{") and '"service":' in s


def scan_line(line, secrets, all_daemon=False):
    """What a line leaks, as short descriptions."""
    what = []
    if KEY_PREFIX in line:
        what.append("test API key")
    if WHSEC.search(line):
        what.append("webhook secret " + WHSEC.search(line).group(0))
    for s in secrets:
        if s in line:
            what.append("secret " + s)
    if all_daemon or daemon_line(line):
        for m in PHONE.finditer(HEX_ID.sub("<id>", line)):
            what.append("unmasked phone " + m.group(0))
        for m in EMAIL.finditer(line):
            what.append("unmasked e-mail " + m.group(0))
    return what


def self_test(secrets):
    """The scan finds what it is meant to find, and not masked data."""
    leaks = [
        'Authorization: Bearer %sdev-app' % KEY_PREFIX,
        '{"service":"notifier","msg":"secret whsec-M9001-test-secret"}',
        '{"service":"intake","msg":"call 13812345678"}',
        '{"service":"notifier","msg":"notification '
        '5e0c9d2a-77b1-4c1e-9f3a-0c9d2a77b14c to 13812345678"}',
        '{"service":"intake","msg":"mail buyer@example.com"}',
    ]
    clean = [
        '{"service":"intake","msg":"call 138****5678, b***@example.com"}',
        '{"service":"intake","at_ms":1764835200123,"key":"dev-app"}',
        '{"service":"notifier","msg":"notification '
        '5e0c9d2a-77b1-4c1e-9f3a-a16025339579 (x to U1)"}',
        '{"service":"intake","trace":"4bf92f3577b34da6a16025339579e473"}',
        'notifier_delivered_total{kind="merchant"} 3',
    ]
    if secrets:
        leaks.append("x " + secrets[0])
    for line in leaks:
        if not scan_line(line, secrets):
            print("secrets_scan: self-test missed: " + line)
            return False
    for line in clean:
        if scan_line(line, secrets, True):
            print("secrets_scan: self-test false alarm: " + line)
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    secrets = known_secrets(args.root)
    if not self_test(secrets):
        return 1
    files = log_files(args.build)
    kept = os.environ.get("CDP_TEST_LOG_DIR", "").rstrip("/")
    findings = lines = 0
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                lines += 1
                for what in scan_line(line, secrets, bool(kept) and
                                      path.startswith(kept + "/")):
                    findings += 1
                    if findings <= 50:
                        print("%s:%d: %s" % (path, n, what))
    kinds = {}
    for path in files:
        k = kind(path, kept)
        kinds[k] = kinds.get(k, 0) + 1
    print("secrets_scan: %d files (%s), %d lines, %d secrets known, "
          "%d findings" % (len(files), ", ".join("%d %s" % (n, k) for k, n
                                                 in sorted(kinds.items())),
                           lines, len(secrets), findings))
    if not os.environ.get("CDP_TEST_LOG_DIR"):
        print("secrets_scan: CDP_TEST_LOG_DIR unset (not under ./dev test): "
              "only LastTest.log was read")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
