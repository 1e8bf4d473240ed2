"""The settings each daemon reads, taken from the C sources.

Every daemon declares its environment settings in tables of struct
config_setting (common/config.h): common/daemon.c holds the ones every
daemon shares, services/<name>/*.c a daemon's own. A row starts with the
variable's name, its CONFIG_ type and its default (NULL: none):

    { "SLA_CLAIM_TTL_MS", CONFIG_INT, "60000", ...

Only these rows count: a variable read any other way (a test's fault
injection, say) is not a setting.
"""

import glob
import os
import re

ROW = re.compile(r'\{\s*"([A-Z][A-Z0-9_]*)"\s*,\s*CONFIG_(\w+)\s*,\s*'
                 r'(NULL|"((?:[^"\\]|\\.)*)"|\w+)')


def _rows(paths):
    found = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for m in ROW.finditer(f.read()):
                found[m.group(1)] = m.group(4)   # None when NULL
    return found


def daemons(root):
    """The daemons that are built: services/<name>/CMakeLists.txt."""
    return sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(
        os.path.join(root, "services", "*", "CMakeLists.txt")))


def common(root):
    """Settings every daemon reads: name -> default (None: no default)."""
    return _rows(sorted(glob.glob(os.path.join(root, "common", "*.c"))))


def own(root, daemon):
    """A daemon's own settings: name -> default (None: no default)."""
    return _rows(sorted(glob.glob(
        os.path.join(root, "services", daemon, "*.c"))))


def of(root, daemon):
    """Everything a daemon reads: common and its own."""
    s = common(root)
    s.update(own(root, daemon))
    return s
