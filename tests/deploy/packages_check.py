#!/usr/bin/env python3
"""The Dockerfile installs what the build links, and nothing it does not.

Reads the libraries CMake links (every pkg_check_modules of every
CMakeLists.txt outside build trees) and maps each pkg-config module to its
Debian bookworm packages (MODULES). The Dockerfile's build stage must
install each module's -dev package and no -dev package of a module CMake
does not use; its runtime stage must install the runtime package of each
module the programs load (all but the test-only ones), and no -dev
package. A module missing from MODULES fails: add its packages here.

    python3 tests/deploy/packages_check.py [--root DIR]
"""

import argparse
import glob
import os
import re
import sys

from tally import Tally

from validate import apt_packages, dockerfile_stages

DOCKERFILE = os.path.join("deploy", "docker", "Dockerfile")
# pkg-config module -> (bookworm -dev package, runtime package or None for
# a library only the tests link).
MODULES = {
    "rdkafka": ("librdkafka-dev", "librdkafka1"),
    "hiredis": ("libhiredis-dev", "libhiredis0.14"),
    "libprotobuf-c": ("libprotobuf-c-dev", "libprotobuf-c1"),
    "libevent": ("libevent-dev", "libevent-2.1-7"),
    "jansson": ("libjansson-dev", "libjansson4"),
    "libcrypto": ("libssl-dev", "libssl3"),
    "libcurl": ("libcurl4-openssl-dev", "libcurl4"),
    "cmocka": ("libcmocka-dev", None),
}


def cmake_modules(root):
    mods = set()
    for path in glob.glob(os.path.join(root, "**", "CMakeLists.txt"),
                          recursive=True):
        rel = os.path.relpath(path, root)
        if rel.startswith(("build", ".local")):
            continue
        with open(path, encoding="utf-8") as f:
            for args in re.findall(r"pkg_check_modules\(([^)]*)\)", f.read()):
                words = args.split()
                mods |= {w for w in words[1:] if w.upper() != w}
    return mods


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".")
    root = ap.parse_args().root
    with open(os.path.join(root, DOCKERFILE), encoding="utf-8") as f:
        stages = dockerfile_stages(f.read())
    build, runtime = apt_packages(stages[0][2]), apt_packages(stages[-1][2])
    mods = cmake_modules(root)
    t = Tally()

    t.check(bool(mods), "CMakeLists.txt: links pkg-config modules")
    for m in sorted(mods):
        if not t.check(m in MODULES, f"packages_check.py: MODULES names the "
                     f"Debian packages of {m}"):
            continue
        dev, run = MODULES[m]
        t.check(dev in build, f"{DOCKERFILE}: build stage installs {dev} ({m})")
        if run:
            t.check(run in runtime, f"{DOCKERFILE}: runtime stage installs "
                  f"{run} ({m})")
    used_dev = {MODULES[m][0] for m in mods if m in MODULES}
    for p in sorted(build):
        if p.endswith("-dev"):
            t.check(p in used_dev, f"{DOCKERFILE}: build stage's {p} is "
                  "linked by CMake")
    for p in sorted(runtime):
        t.check(not p.endswith("-dev"), f"{DOCKERFILE}: runtime stage has "
              f"no -dev package ({p})")
    used_run = {MODULES[m][1] for m in mods if m in MODULES}
    for p in sorted(runtime):
        if p.startswith("lib"):
            t.check(p in used_run, f"{DOCKERFILE}: runtime stage's {p} is a "
                  "library the programs load")
    return t.report()


if __name__ == "__main__":
    sys.exit(main())
