#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (the zip is
# unpacked in /autograder/source). Made by `python -m autograder gradescope`; see the README,
# "Grading on Gradescope".
#
# 1. Python 3.11, the kit's version, beside the image's own python3 (Gradescope's harness
#    runs on that one: it must not be replaced). Ubuntu 22.04, Gradescope's default image,
#    ships 3.10 as python3 and only a 3.11.0 release candidate in universe, so on Ubuntu it
#    comes from the deadsnakes PPA (current 3.11.x); on Debian 12 from Debian itself.
# 2. A virtual environment with the pinned packages (requirements.txt) under /opt, readable
#    by every user: the students' code runs with this Python as an unprivileged uid.
# 3. /autograder/source (the reference solutions, the hidden checks, the grading secret)
#    owned by root, mode 0700; /autograder/results owned by root, mode 0755.
# 4. A check as the grader will run: imports, a sandboxed Python as an unprivileged uid, and
#    matplotlib's font cache built once here rather than at every submission.
#
# AUTOGRADER_GRADESCOPE_ROOT moves /autograder elsewhere; AUTOGRADER_GRADESCOPE_PYTHON names
# a Python that already has the pinned packages (then nothing is installed): for a custom
# image, and for the kit's own test.
set -euo pipefail
umask 022

ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV=/opt/batchnorm-kit/venv

install_python311() {
    if command -v python3.11 >/dev/null 2>&1 && python3.11 -c 'import ensurepip, venv' 2>/dev/null; then
        return
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup.sh: no python3.11 and no apt-get: use an Ubuntu base image" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # shellcheck disable=SC1091
    . /etc/os-release
    if [ "${ID:-}" = ubuntu ]; then
        apt-get install -y --no-install-recommends software-properties-common gpg-agent
        add-apt-repository -y ppa:deadsnakes/ppa
        apt-get update
    fi
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
}

if [ -n "${AUTOGRADER_GRADESCOPE_PYTHON:-}" ]; then
    PYTHON="$AUTOGRADER_GRADESCOPE_PYTHON"
    echo "setup.sh: using $PYTHON (AUTOGRADER_GRADESCOPE_PYTHON): nothing installed"
else
    install_python311
    python3.11 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --no-cache-dir --upgrade pip
    "$VENV/bin/python" -m pip install --no-cache-dir -r "$SOURCE/requirements.txt"
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
