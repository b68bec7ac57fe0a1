"""Rehearse the Gradescope autograder in a fresh Debian root: a measurement, not a test.

    sudo .venv/bin/python scripts/rehearse_gradescope.py [--root DIR] [--keep] [--json FILE]

As root, with debootstrap: builds the zip (``python -m autograder gradescope``), makes a
minimal Debian 12 root (``debootstrap --variant=minbase bookworm``, from the first Debian mirror
in this host's apt sources), carries this host's CA bundle (``SSL_CERT_FILE``, ``PIP_CERT``) and
its apt sources into it, lays Gradescope's ``/autograder`` out in it (the zip unpacked in
``source/``, ``run_autograder`` beside it), then, inside it (``unshare --mount --pid --fork``
and ``chroot``, with ``/proc``, ``/dev`` and ``resolv.conf`` mounted), runs the zip's
``setup.sh`` for real (apt-get's Python 3.11, the venv of grading's lock from PyPI) and
``run_autograder`` on the reference notebook, a wrong one (the unbiased variance, a named
mistake) and the blank release, each with a fresh ``submission/`` and ``results/``.

Prints, and with ``--json`` writes: debootstrap's and setup.sh's times, the venv's size
(``du -sh``), each submission's time and score. ``--keep`` leaves the root (default: removed).
The network it needs: a Debian mirror and PyPI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.layout import get  # noqa: E402

BATCHNORM = get("batchnorm")
"""The assignment rehearsed (its example mistake is batch norm's unbiased variance)."""
NOTEBOOK = BATCHNORM.notebook
SOURCE_NOTEBOOK, RELEASE_NOTEBOOK = BATCHNORM.source_notebook, BATCHNORM.release_notebook

SUITE = "bookworm"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def mirror() -> str:
    """The first Debian mirror of this host's apt sources (deb822 or one-line)."""
    texts = [p.read_text() for p in sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))]
    for text in texts:
        for stanza in text.split("\n\n"):
            uris = re.search(r"(?m)^URIs:\s*(\S+)", stanza)
            suites = re.search(r"(?m)^Suites:\s*(.+)$", stanza)
            if uris and suites and SUITE in suites.group(1).split():
                return uris.group(1)
    lists = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*.list")]
    for path in lists:
        if path.is_file():
            for line in path.read_text().splitlines():
                fields = line.split()
                if fields[:1] == ["deb"] and SUITE in fields:
                    return next(f for f in fields[1:] if "://" in f)
    return "http://deb.debian.org/debian"


def ca_bundle() -> Path:
    """The CA bundle of this host, as its environment names it."""
    for var in ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"):
        if os.environ.get(var) and Path(os.environ[var]).is_file():
            return Path(os.environ[var])
    return Path("/etc/ssl/certs/ca-certificates.crt")


HOST_BUNDLE = "/etc/ssl/host-ca-certificates.crt"
"""Where the host's CA bundle goes in the root (not at its own path: Debian's ca-certificates,
which setup.sh's apt-get brings in, rewrites /etc/ssl/certs/ca-certificates.crt)."""


def carry_host_settings(root: Path, bundle: Path) -> None:
    """The host's CA bundle (at ``HOST_BUNDLE``), apt's sources and its Acquire settings."""
    target = root / HOST_BUNDLE.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundle.resolve(), target)
    apt = root / "etc" / "apt"
    (apt / "sources.list").unlink(missing_ok=True)
    for path in Path("/etc/apt/sources.list.d").glob("*"):
        if path.suffix in (".sources", ".list") and path.is_file():
            shutil.copy(path, apt / "sources.list.d" / path.name)
    if Path("/etc/apt/sources.list").is_file():
        shutil.copy("/etc/apt/sources.list", apt / "sources.list")
    for path in Path("/etc/apt/apt.conf.d").glob("*"):
        if path.is_file() and "Acquire::" in path.read_text(errors="replace"):
            shutil.copy(path, apt / "apt.conf.d" / path.name)


def in_root(root: Path, command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``command`` (bash) as root inside ``root``: its own mount and pid namespaces, with /proc,
    /dev and resolv.conf mounted, a clean environment. Output streams through."""
    mounts = (
        f"mount --rbind /dev {root}/dev && mount --make-rslave {root}/dev && "
        f"mount -t proc proc {root}/proc && "
        f"mount --bind /etc/resolv.conf {root}/etc/resolv.conf"
    )
    envs = " ".join(f"{k}={v}" for k, v in {"PATH": PATH, "HOME": "/root", **env}.items())
    inner = f"{mounts} && exec chroot {root} /usr/bin/env -i {envs} /bin/bash -c {_quote(command)}"
    return subprocess.run(
        ["unshare", "--mount", "--pid", "--fork", "--propagation", "private", "bash", "-c", inner],
        stdin=subprocess.DEVNULL,
        text=True,
        capture_output=True,
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def wrong_notebook():
    """The reference with the unbiased variance in batchnorm_forward (a named mistake)."""
    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "batchnorm_forward_answer":
            assert "var = np.mean(xc**2, axis=0)" in cell.source
            cell.source = cell.source.replace(
                "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
            )
    return nb


SUBMISSIONS = {
    "reference": lambda: nbformat.read(SOURCE_NOTEBOOK, as_version=4),
    "wrong (unbiased variance)": wrong_notebook,
    "blank release": lambda: nbformat.read(RELEASE_NOTEBOOK, as_version=4),
}


def build_zip(work: Path) -> Path:
    """The Gradescope zip of batch norm (``python -m autograder gradescope``), in ``work``."""
    secret, zipped = work / "autograder.secret", work / "autograder.zip"
    subprocess.run(
        [sys.executable, "-m", "autograder", "gradescope", "--assignment", "batchnorm",
         "--out", str(zipped), "--secret", str(secret)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return zipped


def make_root(root: Path, numbers: dict) -> None:
    """A minimal Debian root with this host's CA bundle and apt settings (debootstrap's time)."""
    start = time.monotonic()
    print(f"debootstrap --variant=minbase {SUITE} from {numbers['mirror']} ...", flush=True)
    subprocess.run(
        ["debootstrap", "--variant=minbase", SUITE, str(root), numbers["mirror"]],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    numbers["debootstrap_seconds"] = round(time.monotonic() - start, 1)
    carry_host_settings(root, ca_bundle())


def lay_out(grader: Path, zipped: Path) -> None:
    """Gradescope's ``/autograder``: the zip unpacked in ``source/`` (with its modes), and
    ``run_autograder`` beside it."""
    (grader / "source").mkdir(parents=True)
    with zipfile.ZipFile(zipped) as archive:
        for info in archive.infolist():
            archive.extract(info, grader / "source")
            os.chmod(grader / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    shutil.copy2(grader / "source" / "run_autograder", grader / "run_autograder")


def set_up(root: Path, env: dict[str, str], work: Path, numbers: dict) -> None:
    """The zip's ``setup.sh``, run for real in the root: its time, its last word, the venv."""
    print("setup.sh ...", flush=True)
    start = time.monotonic()
    setup = in_root(root, "bash /autograder/source/setup.sh", env)
    numbers["setup_seconds"] = round(time.monotonic() - start, 1)
    (work / "setup.log").write_text(setup.stdout + setup.stderr)
    if setup.returncode != 0:
        print(setup.stdout[-3000:] + setup.stderr[-3000:])
        sys.exit(f"setup.sh failed ({setup.returncode}); log: {work / 'setup.log'}")
    numbers["setup_check"] = setup.stdout.strip().splitlines()[-1]
    du = in_root(root, "du -sh /opt/batchnorm-kit/venv", env)
    numbers["venv_size"] = du.stdout.split()[0]
    python = in_root(root, "/opt/batchnorm-kit/venv/bin/python -V", env)
    numbers["python"] = python.stdout.strip()


def grade(root: Path, env: dict[str, str], make) -> dict:
    """``run_autograder`` on one submission, with a fresh ``submission/`` and ``results/``: its
    time, exit status, score and what its results.json says."""
    grader = root / "autograder"
    for folder in ("submission", "results"):
        shutil.rmtree(grader / folder, ignore_errors=True)
        (grader / folder).mkdir()
    nbformat.write(make(), grader / "submission" / NOTEBOOK)
    (grader / "submission_metadata.json").write_text(
        json.dumps({"id": 1, "users": [{"id": 4242, "email": "s@x", "name": "S"}]})
    )
    start = time.monotonic()
    done = in_root(root, "cd /autograder && ./run_autograder", env)
    seconds = round(time.monotonic() - start, 1)
    results = json.loads((grader / "results" / "results.json").read_text())
    return {
        "seconds": seconds,
        "exit": done.returncode,
        "score": results.get("score"),
        "max": sum(t["max_score"] for t in results.get("tests", [])),
        "failed": [t["name"] for t in results.get("tests", []) if t["status"] != "passed"],
        "flags": results.get("extra_data", {}).get("flags"),
        "notes": results.get("extra_data", {}).get("notes"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, help="where to make the Debian root (a new folder)")
    parser.add_argument("--keep", action="store_true", help="leave the root in place")
    parser.add_argument("--json", type=Path, help="write the numbers here too")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("debootstrap"):
        sys.exit("needs root and debootstrap (apt-get install debootstrap)")
    work = Path(tempfile.mkdtemp(prefix="rehearse-gradescope-"))
    root = args.root or work / "debian"
    if root.exists():
        sys.exit(f"{root} exists: name a new folder")
    numbers: dict = {"mirror": mirror()}
    try:
        zipped = build_zip(work)
        make_root(root, numbers)
        env = {"SSL_CERT_FILE": HOST_BUNDLE, "PIP_CERT": HOST_BUNDLE, "LANG": "C.UTF-8"}
        lay_out(root / "autograder", zipped)
        set_up(root, env, work, numbers)
        numbers["submissions"] = {
            name: grade(root, env, make) for name, make in SUBMISSIONS.items()
        }
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=False)
    print(json.dumps(numbers, indent=1))
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
