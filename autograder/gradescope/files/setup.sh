#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (the zip is
# unpacked in /autograder/source). Made by `python -m autograder gradescope`; see
# docs/instructor-operations.md, "Grading on Gradescope".
#
# 1. Python 3.11, the kit's version, beside the image's own python3 (Gradescope's harness
#    runs on that one: it must not be replaced). On Debian 12, Debian's own 3.11. Ubuntu 22.04,
#    Gradescope's default image, ships 3.10 as python3, so on Ubuntu, in this order, the first
#    that works: (a) the deadsnakes PPA (the current 3.11.x); (b) when Launchpad cannot be
#    reached, Ubuntu's own python3.11 from universe (on 22.04 a 3.11.0 release candidate); (c)
#    else a standalone CPython 3.11: uv from PyPI (pip, with the image's python3) installs a
#    python-build-standalone build, which it downloads from releases.astral.sh.
#    docs/instructor-operations.md, "Grading on Gradescope", says why.
# 2. A virtual environment with grading's layer only (requirements/grading.txt, every package
#    pinned and hash-checked: no notebook server, no nbgrader) under /opt, readable by every
#    user: the students' code runs with this Python as an unprivileged uid.
# 3. /autograder/source (the reference solutions, the hidden checks, the grading secret)
#    owned by root, mode 0700; /autograder/results owned by root, mode 0755.
# 4. A check as the grader will run: imports, a sandboxed Python as an unprivileged uid, and
#    matplotlib's font cache built once here rather than at every submission.
#
# AUTOGRADER_GRADESCOPE_ROOT moves /autograder elsewhere; AUTOGRADER_GRADESCOPE_PYTHON names
# a Python that already has the pinned packages (then nothing is installed): for a custom
# image, and for the kit's own test.
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(...) fails the script too
umask 022

ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
SOURCE="$ROOT/source"
KIT="${AUTOGRADER_GRADESCOPE_KIT:-/opt/batchnorm-kit}"  # moved only by the kit's test
VENV="$KIT/venv"

# The Python 3.11 to make the venv with, on stdout; how it was found, on stderr.
usable() { "$1" -c 'import ensurepip, sys, venv; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; }

python311() {
    if command -v python3.11 >/dev/null 2>&1 && usable python3.11; then
        echo "setup.sh: python3.11 is already in the image" >&2
        command -v python3.11
        return
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup.sh: no python3.11 and no apt-get: use an Ubuntu or Debian base image" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    # shellcheck disable=SC1090,SC1091  # OS_RELEASE: for the kit's test of this chain
    . "${OS_RELEASE:-/etc/os-release}"
    if [ "${ID:-}" != ubuntu ]; then
        apt-get install -y --no-install-recommends python3.11 python3.11-venv >&2
        command -v python3.11
        return
    fi
    # (a) the deadsnakes PPA
    if apt-get install -y --no-install-recommends software-properties-common gpg-agent >&2 &&
        add-apt-repository -y ppa:deadsnakes/ppa >&2 &&
        apt-get update >&2 &&
        apt-get install -y --no-install-recommends python3.11 python3.11-venv >&2 &&
        usable python3.11; then
        echo "setup.sh: Python 3.11 from the deadsnakes PPA" >&2
        command -v python3.11
        return
    fi
    echo "setup.sh: the deadsnakes PPA failed (Launchpad unreachable?): trying Ubuntu's own python3.11" >&2
    rm -f /etc/apt/sources.list.d/deadsnakes-ubuntu-ppa-*
    apt-get update >&2 || true
    # (b) Ubuntu's own python3.11 (universe; a 3.11.0 release candidate on 22.04)
    if apt-get install -y --no-install-recommends python3.11 python3.11-venv >&2 &&
        usable python3.11; then
        echo "setup.sh: Python 3.11 from Ubuntu's archive: $(python3.11 -V 2>&1)" >&2
        command -v python3.11
        return
    fi
    echo "setup.sh: no python3.11 in Ubuntu's archive: a standalone CPython 3.11 (uv)" >&2
    # (c) uv from PyPI, then a standalone CPython from releases.astral.sh, both under /opt
    apt-get install -y --no-install-recommends python3-venv >&2 || true
    python3 -m venv "$KIT/uv" >&2
    "$KIT/uv/bin/python" -m pip install --no-cache-dir uv >&2
    UV_PYTHON_INSTALL_DIR="$KIT/python" "$KIT/uv/bin/uv" python install 3.11 >&2
    local found
    found="$(UV_PYTHON_INSTALL_DIR="$KIT/python" "$KIT/uv/bin/uv" python find --managed-python 3.11)"
    chmod -R a+rX "$KIT/python"
    usable "$found"
    echo "setup.sh: standalone $("$found" -V 2>&1) at $found" >&2
    echo "$found"
}

main() {
    if [ -n "${AUTOGRADER_GRADESCOPE_PYTHON:-}" ]; then
        PYTHON="$AUTOGRADER_GRADESCOPE_PYTHON"
        echo "setup.sh: using $PYTHON (AUTOGRADER_GRADESCOPE_PYTHON): nothing installed"
    else
        PY311="$(python311)"
        mkdir -p "$KIT"
        chmod 0755 "$KIT"
        "$PY311" -m venv "$VENV"
        # --require-hashes: every package and its version is the lock's, checked by its hash;
        # --no-deps: the lock is complete, nothing else is resolved.
        "$VENV/bin/python" -m pip install --no-cache-dir --require-hashes --no-deps \
            -r "$SOURCE/requirements/grading.txt"
        PYTHON="$VENV/bin/python"
    fi

    # The folder's mode is the wall: the files inside keep theirs (the grader copies the code the
    # sandbox runs, the runner and the given helpers, out of it with their modes).
    chown -R root:root "$SOURCE"
    chmod 0700 "$SOURCE"
    mkdir -p "$ROOT/results"
    chown root:root "$ROOT/results"
    chmod 0755 "$ROOT/results"

    cd "$SOURCE"
    PYTHONPATH="$SOURCE" MPLCONFIGDIR="$SOURCE/.matplotlib" "$PYTHON" -m autograder.gradescope check
}

# Sourced (the kit's test of the Python chain), it only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main
fi
