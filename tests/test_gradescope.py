"""The Gradescope autograder: the zip, and run_autograder run as Gradescope runs it.

The zip (``python -m autograder gradescope``) is unpacked into a temporary root laid out as
Gradescope's ``/autograder`` (``source/``, ``submission/``, ``results/``,
``submission_metadata.json``, ``run_autograder``). Its ``setup.sh`` runs once, then
``run_autograder`` for a correct, a wrong and a hostile submission, each with a fresh
``submission/`` and ``results/``. Checked: results.json is valid against a JSON Schema written
from Gradescope's spec (``gradescope_results.schema.json``); every task's score and feedback
equal ``python -m autograder grade``'s on the same notebooks with the same secret and student
ids; the hostile submission could neither read ``source/`` nor change ``results.json``, and is
flagged where students do not look.

How Gradescope's container is simulated. Gradescope runs both scripts as root in a Docker
container whose Python (in ``/usr``, ``/opt``) every user can read. Here the kit's Python lives
under ``/root`` (pyenv), mode 0700, which an unprivileged uid cannot enter, and nothing on the
host is chmodded for the test. So each script runs, as root, in a bubblewrap mount namespace
standing in for the container: an empty root with ``/usr`` and ``/etc`` (read-only), a private
``/tmp``, ``/dev`` and ``/proc`` (own pid namespace), the host's ``/run/lock`` (sandbox slots
stay unique host-wide), the Python installation and the virtual environment read-only at their
own paths with their parents (``/root`` included) created 0755 as in a container, and the
temporary root bound at ``/autograder``. Inside it, run_autograder drops the student's code to
an unprivileged uid (``Isolation.UID``) exactly as it does on Gradescope. setup.sh gets
``AUTOGRADER_GRADESCOPE_PYTHON`` instead of installing Python: a virtual environment of the
running Python with grading's lock alone (``requirements/grading.txt``, as setup.sh installs it
on Gradescope; no nbgrader, no notebook server), so whatever run_autograder imports beyond that
layer fails here.

Needs root and bubblewrap: skipped without them on a laptop, a failure in CI.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest
from conftest import ENV, IN_CI, KIT
from hostile import load as load_case
from hostile._build import guess
from support.corpus import answer_source, edit, reference_nb, student_nb, with_answers
from support.dropout_variants import MISTAKES as DROPOUT_MISTAKES
from support.dropout_variants import notebook as dropout_notebook
from support.paths import NOTEBOOK

from autograder import grading, tasks
from autograder.gradescope import EXIT_NOT_GRADED, SECRET, SETTINGS, VISIBILITIES
from autograder.gradescope.build import build_zip
from autograder.gradescope.folders import Folders, find_notebook, student_id
from autograder.gradescope.run import run
from autograder.layout import PACKAGE, ROOT, get
from autograder.sandbox import SLOT_UID_BASE
from autograder.sandbox import Limits as sandbox_limits
from autograder.tasks import registry_of

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
REFERENCE = "/autograder/source/solutions/batchnorm/BatchNormalization.ipynb"


def validate(results: dict) -> None:
    jsonschema.validate(results, SCHEMA, cls=jsonschema.Draft202012Validator)


def needs(what: str, ok: bool) -> None:
    if not ok:
        if IN_CI:
            pytest.fail(f"{what} is needed (CI must run the Gradescope autograder)")
        pytest.skip(f"{what} is needed")


@pytest.fixture
def as_root():
    needs("root (run_autograder drops the student's code to another uid)", os.geteuid() == 0)


# --------------------------------------------------------------------------
# Without a container: the zip, the notebook and student found, the fault path
# --------------------------------------------------------------------------


def test_zip_has_gradescopes_layout_and_is_byte_stable(tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(b"s" * 32)
    build_zip(tmp_path / "a.zip", secret)
    build_zip(tmp_path / "b.zip", secret)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        infos = {i.filename: i for i in archive.infolist()}
        assert archive.read("grading_secret") == b"s" * 32
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & 0o777 == 0o755, script
    assert (infos["grading_secret"].external_attr >> 16) & 0o077 == 0
    for needed in (
        "requirements/grading.txt",
        "nbgrader_config.py",
        "solutions/batchnorm/BatchNormalization.ipynb",
        "solutions/batchnorm/cs231n/checking.py",
        "assignment/batchnorm/BatchNormalization.ipynb",
    ):
        assert needed in infos, needed
    # the whole kit: run_autograder runs `python -m autograder.gradescope run` from the zip
    kit = {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and not any(part.startswith((".", "__pycache__")) for part in p.parts)
    }
    assert "autograder/gradescope/__main__.py" in kit and "autograder/layout.py" in kit
    assert kit <= set(infos), sorted(kit - set(infos))
    assert not [n for n in infos if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in infos if "/" not in n and n.startswith(".")]


def test_notebook_found_as_the_batch_grader_finds_it(tmp_path):
    sub = tmp_path / "submission"
    (sub / "hw" / "batchnorm").mkdir(parents=True)
    (sub / "hw" / "batchnorm" / NOTEBOOK).write_text("{}")
    found = find_notebook(sub)
    assert found.notebook == sub / "hw" / "batchnorm" / NOTEBOOK
    assert "not at the top" in found.notes[0]
    (sub / "mine.ipynb").write_text("{}")
    found = find_notebook(sub)
    assert found.notebook == sub / "mine.ipynb" and "named mine.ipynb" in found.notes[0]
    (sub / "other.ipynb").write_text("{}")
    found = find_notebook(sub)
    assert found.notebook is None and "mine.ipynb, other.ipynb" in found.notes[0]
    (sub / NOTEBOOK).symlink_to("/etc/passwd")
    found = find_notebook(sub)
    assert found.notebook is None and "symbolic link" in found.notes[0]
    assert any("/etc/passwd" in f for f in found.flags)


def test_student_is_the_gradescope_user_or_the_group(tmp_path):
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"id": 52, "email": "b@x"}, {"id": 7, "email": "a@x"}]}))
    assert student_id(meta)[0] == "7-52"
    meta.write_text(json.dumps({"users": []}))
    assert student_id(meta)[0] == "submission"
    assert student_id(tmp_path / "missing.json")[0] == "submission"


def gradescope_root(tmp_path: Path, notebook=None) -> Folders:
    layout = Folders(tmp_path / "autograder")
    for folder in (layout.source, layout.submission, layout.results):
        folder.mkdir(parents=True)
    (layout.source / SECRET).write_bytes(b"x" * 32)
    layout.metadata.write_text(json.dumps({"users": [{"id": 1234}]}))
    if notebook is not None:
        nbformat.write(notebook, layout.submission / NOTEBOOK)
    return layout


def test_grader_fault_is_never_a_score(tmp_path, monkeypatch, capsys, as_root):
    layout = gradescope_root(tmp_path, student_nb())

    def sandbox_cannot_start(*args, **kwargs):
        raise grading.GraderFault("the sandbox failed 5 times", "bwrap: cannot create namespace")

    monkeypatch.setattr(grading, "grade_cached", sandbox_cannot_start)
    assert run(layout.root) == EXIT_NOT_GRADED
    results = json.loads((layout.results / "results.json").read_text())
    assert "score" not in results and "tests" not in results
    assert "NOT graded" in results["output"] and "rerun" in results["output"]
    assert "the sandbox failed 5 times" in results["output"]
    # Without a score or tests the spec's results are incomplete: Gradescope reports a failed
    # run instead of recording a grade.
    with pytest.raises(jsonschema.ValidationError, match="is not valid under any of"):
        validate(results)
    out = capsys.readouterr().out
    assert "NOT GRADED" in out and "bwrap: cannot create namespace" in out


@pytest.mark.parametrize("visibility", [None, *VISIBILITIES])
def test_visibility_chosen_when_the_zip_is_built(tmp_path, as_root, visibility):
    secret = tmp_path / "secret"
    secret.write_bytes(b"s" * 32)
    build_zip(tmp_path / "a.zip", secret, visibility)
    layout = gradescope_root(tmp_path)
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        (layout.source / SETTINGS).write_bytes(archive.read(SETTINGS))
    assert run(layout.root) == 0
    results = json.loads((layout.results / "results.json").read_text())
    validate(results)
    assert results.get("visibility") == visibility
    assert {t["visibility"] for t in results["tests"]} == {visibility or "visible"}
    assert results["stdout_visibility"] == "hidden"


def test_an_unknown_visibility_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not one of"):
        build_zip(tmp_path / "a.zip", tmp_path / "secret", "hidden")
    refused = subprocess.run(
        [*KIT, "gradescope", "--out", str(tmp_path / "b.zip"), "--visibility", "soon"],
        capture_output=True, text=True, env=ENV, cwd=ROOT,
    )  # fmt: skip
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
    assert not (tmp_path / "b.zip").exists()


def test_the_deadlines_file_in_the_zip_takes_the_penalty_off(tmp_path, monkeypatch, as_root):
    """Gradescope's created_at 1.5 days after the file's due date, 10% per started day: the
    score is the tests' total less 20%, and the output says so; each test keeps its score.
    (The hidden checks are stood in for by a full-marks result: late work is tested here.)"""
    full = grading.SubmissionResult(
        {t: grading.TaskResult(t, p, p, []) for t, p in tasks.points().items()}, [], isolation="uid"
    )
    monkeypatch.setattr(grading, "grade_cached", lambda *args, **kwargs: full)
    layout = gradescope_root(tmp_path, student_nb())
    (layout.source / "deadlines.toml").write_text(
        "[late]\npenalty_percent = 10\n[assignments.batchnorm]\ndue = 2026-04-17T23:59:00Z\n"
    )
    layout.metadata.write_text(
        json.dumps({"users": [{"id": 1234}], "created_at": "2026-04-19T04:59:00.5-07:00"})
    )
    assert run(layout.root) == 0
    results = json.loads((layout.results / "results.json").read_text())
    validate(results)
    tests_total = sum(t["score"] for t in results["tests"])
    assert tests_total == sum(tasks.points().values())
    assert results["score"] == pytest.approx(round(tests_total * 0.8, 2))
    assert "1 day 12 hours after the due date" in results["output"]
    assert results["extra_data"]["late"]["hours_late"] == 36


def test_missing_notebook_scores_zero_with_the_reason(tmp_path, as_root):
    layout = gradescope_root(tmp_path)
    (layout.submission / "notes.txt").write_text("I forgot the notebook")
    assert run(layout.root) == 0
    results = json.loads((layout.results / "results.json").read_text())
    validate(results)
    assert results["score"] == 0
    assert [t["name"] for t in results["tests"]] == list(tasks.points())
    for test in results["tests"]:
        assert test["score"] == 0 and test["status"] == "failed"
        assert f"no {NOTEBOOK} in the submission" in test["output"]
    assert os.stat(layout.source).st_mode & 0o777 == 0o700
    assert os.stat(layout.metadata).st_mode & 0o777 == 0o600  # the students' emails, ids


# --------------------------------------------------------------------------
# In a simulated container: setup.sh, then run_autograder on three submissions
# --------------------------------------------------------------------------


def grading_venv(where: Path) -> Path:
    """A virtual environment of the running Python with grading's lock alone, as setup.sh
    installs it (every package hash-checked, nothing resolved); its python."""
    uv = Path(sys.executable).parent / "uv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, where], check=True)
    python = where / "bin" / "python"
    lock = ROOT / "requirements" / "grading.txt"
    install = [uv, "pip", "install", "--quiet", "--python", python, "--require-hashes"]
    subprocess.run([*install, "--no-deps", "-r", lock], check=True, timeout=600)
    return python


def _python_dirs(*more: Path) -> list[Path]:
    """The running Python's installation and virtual environment outside /usr, and ``more``."""
    dirs = set(more)
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        dirs |= {Path(os.path.abspath(p)), Path(os.path.realpath(p))}
    dirs.add(Path(os.path.realpath(sys.executable)).parent)
    dirs = sorted((d for d in dirs if d.exists()), key=lambda d: len(d.parts))
    kept: list[Path] = []
    for d in dirs:
        if not any(d == k or k in d.parents for k in [Path("/usr"), *kept]):
            kept.append(d)
    return kept


class Container:
    """A stand-in for Gradescope's container (see the module docstring), rooted at ``root``."""

    def __init__(self, root: Path, drop: Path, python: Path, own_lock: bool = False):
        """``own_lock``: a /run/lock of its own, as each Gradescope container has (the kit's
        host lock and slot files are then this container's only)."""
        self.root, self.drop, self.python, self.own_lock = root, drop, python, own_lock
        self.layout = Folders(root)
        self.venv = python.parent.parent

    def argv(self, *command: str) -> list[str]:
        args = ["bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
        args += ["--die-with-parent", "--new-session", "--clearenv"]
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "AUTOGRADER_GRADESCOPE_PYTHON": str(self.python),
        }
        for key, value in env.items():
            args += ["--setenv", key, value]
        args += ["--ro-bind", "/usr", "/usr"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += ["--ro-bind", "/etc", "/etc", "--dev", "/dev", "--proc", "/proc"]
        args += ["--perms", "1777", "--tmpfs", "/tmp"]
        if self.own_lock:
            args += ["--perms", "0755", "--tmpfs", "/run/lock"]
        else:
            args += ["--bind-try", "/run/lock", "/run/lock"]
        made = {Path("/")}
        if not any(Path("/root") in d.parents for d in _python_dirs(self.venv)):
            made.add(Path("/root"))
            args += ["--perms", "0700", "--dir", "/root"]  # root's home, as in a container
        for d in _python_dirs(self.venv):
            for parent in reversed(d.parents):
                if parent not in made:
                    made.add(parent)
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", str(d), str(d)]
        args += ["--bind", str(self.root), "/autograder", "--bind", str(self.drop), "/drop"]
        return [*args, "--chdir", "/autograder", "--", *command]

    def run(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.argv(*command),
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )

    def submit(self, files: dict[str, object], student: int) -> tuple[dict, str, float]:
        """A fresh submission and results folder, run_autograder: (results, stdout, seconds)."""
        self.prepare(files, student)
        start = time.monotonic()
        done = self.run("/autograder/run_autograder")
        seconds = time.monotonic() - start
        assert done.returncode == 0, done.stdout + done.stderr
        return self.results(), done.stdout, seconds

    def results(self) -> dict:
        return json.loads((self.layout.results / "results.json").read_text())

    def prepare(self, files: dict[str, object], student: int) -> None:
        """A fresh submission and results folder, and the submission's metadata."""
        for folder in (self.layout.submission, self.layout.results):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        for name, nb in files.items():
            nbformat.write(nb, self.layout.submission / name)
        self.layout.metadata.write_text(
            json.dumps({"id": 1, "users": [{"id": student, "email": f"{student}@x", "name": "S"}]})
        )


HOSTILE = """\
import json
import os

_report = {{}}


def _try(what, action):
    try:
        _report[what] = repr(action())[:200]
    except Exception as exc:
        _report[what] = f"{{type(exc).__name__}}: {{exc}}"[:200]


_try("list source", lambda: os.listdir("/autograder/source"))
_try("read secret", lambda: open("/autograder/source/grading_secret", "rb").read())
_forged = '{{"score": 999}}'
_try("write results", lambda: open("/autograder/results/results.json", "w").write(_forged))
_try("open up results", lambda: os.chmod("/autograder/results", 0o777))
_try("read public", lambda: open("/drop/public.txt").read())

# The reference's batchnorm_backward, if the instructor's notebook can be read
_stolen = None
try:
    with open({reference!r}) as _file:
        for _cell in json.load(_file)["cells"]:
            _meta = _cell["metadata"].get("nbgrader", {{}})
            if _meta.get("grade_id") == "batchnorm_backward_answer":
                _stolen = "".join(_cell["source"])
    _report["read reference"] = "read"
except Exception as exc:
    _report["read reference"] = f"{{type(exc).__name__}}: {{exc}}"[:200]
try:
    with open("/drop/report.json", "w") as _file:
        json.dump(_report, _file)
except OSError:
    pass

"""


def hostile_nb():
    """Steals the reference's batchnorm_backward if it can read the source folder (full marks
    then), else a wrong guess (zero); tries to write results.json and to open up results/;
    reports what it got to /drop, with a control read of a file every user may read."""
    source = HOSTILE.format(reference=REFERENCE) + guess("batchnorm_backward")
    source += "\n\nif _stolen:\n    exec(_stolen)\n"
    return with_answers({"batchnorm_backward_answer": source})


def wrong_nb():
    """The unbiased variance in batchnorm_forward (a named mistake)."""
    unbiased = edit(
        answer_source("batchnorm_forward_answer"),
        ("var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"),
    )
    return with_answers({"batchnorm_forward_answer": unbiased})


SNOOP = """\
import json as _json

try:
    with open("/autograder/submission_metadata.json") as _file:
        _got = "read: " + _file.read()
except Exception as exc:
    _got = f"{type(exc).__name__}: {exc}"
try:
    with open("/drop/snoop.json", "w") as _file:  # in the container only
        _json.dump(_got, _file)
except OSError:
    pass

"""


def snoop_nb():
    """Tries to read submission_metadata.json (emails, ids, earlier results); otherwise right."""
    return with_answers({"affine_forward_answer": SNOOP + answer_source("affine_forward_answer")})


SUBMISSIONS = {
    # student id: (file name, notebook)
    1001: (NOTEBOOK, student_nb),
    1002: ("my_batchnorm.ipynb", wrong_nb),
    1003: (NOTEBOOK, hostile_nb),
    1004: (NOTEBOOK, reference_nb),  # Test Autograder on the instructor's source notebook
    1005: (NOTEBOOK, snoop_nb),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, bubblewrap):
    """The zip built by the CLI, set up and run in the container for each submission; and
    ``grade`` on the same notebooks with the same secret and ids."""
    needs("root (Gradescope runs its scripts as root)", os.geteuid() == 0)
    start = time.monotonic()
    tmp = tmp_path_factory.mktemp("gradescope")
    secret = tmp / "secret"
    secret.write_bytes(secrets.token_bytes(32))
    build = subprocess.run(
        [*KIT, "gradescope", "--out", str(tmp / "autograder.zip"),
         "--secret", str(secret)],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr

    # Gradescope's layout: the zip unpacked in source/, run_autograder copied beside it
    root, drop = tmp / "autograder", tmp / "drop"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(tmp / "autograder.zip") as archive:
        for info in archive.infolist():
            archive.extract(info, root / "source")
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    drop.mkdir()
    os.chmod(drop, 0o777)
    (drop / "public.txt").write_text("anyone may read this")
    container = Container(root, drop, grading_venv(tmp / "grading-venv"))
    setup = container.run("bash", "/autograder/source/setup.sh")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    locked = {p: os.stat(p) for p in (container.layout.source, container.layout.results)}

    runs = {}
    for student, (name, make) in SUBMISSIONS.items():
        runs[student] = container.submit({name: make()}, student)
        if student == 1003:
            runs["report"] = json.loads((drop / "report.json").read_text())
        if student == 1005:
            runs["snoop"] = json.loads((drop / "snoop.json").read_text())
            runs["metadata mode"] = os.stat(container.layout.metadata)

    subs, out = tmp / "submissions", tmp / "out"
    for student, (name, make) in SUBMISSIONS.items():
        (subs / str(student)).mkdir(parents=True)
        nbformat.write(make(), subs / str(student) / name)
    out.mkdir()
    shutil.copy(secret, out / "grading_secret")
    batch = subprocess.run(
        [*KIT, "grade", str(subs), "--out", str(out),
         "--workers", "2"],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert batch.returncode == 0, batch.stdout + batch.stderr
    runs["grade"] = json.loads((out / "results.json").read_text())
    times = ", ".join(f"{s}: {runs[s][2]:.1f} s" for s in SUBMISSIONS)
    print(
        f"\nrun_autograder wall time per submission ({times}); setup.sh, three runs and "
        f"`grade` on the same notebooks: {time.monotonic() - start:.1f} s"
    )
    return runs, (setup, locked), container


def test_grading_runs_on_grading_lock_alone(graded):
    """Every run above used a Python with grading's lock alone: nbgrader, the notebook server
    and the instructor's tools are not there, and grading never needed them."""
    container = graded[2]
    for absent in ("nbgrader", "notebook", "jupyter_server", "nbconvert", "tqdm", "psycopg"):
        probe = container.run(str(container.python), "-c", f"import {absent}")
        assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr, absent
    assert graded[0][1001][0]["score"] == sum(tasks.points().values())


def test_setup_locks_the_source_and_checks_the_sandbox(graded):
    (setup, locked), container = graded[1:]
    assert "ran as uid" in setup.stdout, setup.stdout  # Python runs as an unprivileged uid
    st = locked[container.layout.source]  # as setup.sh left it, before any run
    assert st.st_uid == 0 and st.st_mode & 0o777 == 0o700
    st = locked[container.layout.results]
    assert st.st_uid == 0 and st.st_mode & 0o022 == 0


@pytest.mark.parametrize("student", list(SUBMISSIONS))
def test_results_are_valid_and_equal_grades(graded, student):
    runs, _, _ = graded
    results, stdout, _ = runs[student]
    validate(results)
    batch = runs["grade"][str(student)]
    assert batch["status"] == "graded"
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests) == list(tasks.points())
    for task, test in tests.items():
        assert test["score"] == batch["tasks"][task]["score"], task
        assert test["max_score"] == batch["tasks"][task]["max_score"] == tasks.points()[task]
        assert test["output"] == batch["tasks"][task]["feedback"], task
        assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    assert results["extra_data"]["isolation"] == "uid"
    assert "isolation: uid" in stdout


def test_correct_gets_full_marks(graded):
    results = graded[0][1001][0]
    assert results["score"] == sum(tasks.points().values())
    assert results["extra_data"]["flags"] == []


def test_the_instructors_source_notebook_reads_clean(graded):
    """Gradescope's Test Autograder on solutions/: full marks, and nothing about the notebook
    (its nbgrader metadata lacks the release's checksums and cell types, which grading does
    not read)."""
    results, stdout, _ = graded[0][1004]
    assert results["score"] == sum(tasks.points().values())
    assert results["extra_data"]["notes"] == [] and results["extra_data"]["flags"] == []
    assert "About your notebook" not in results["output"], results["output"]
    assert "nbgrader metadata" not in results["output"] + stdout
    assert "note:" not in stdout


def test_the_students_code_cannot_read_submission_metadata(graded):
    """submission_metadata.json (emails, ids, earlier submissions) is root's, mode 600, before
    the student's code runs: it reads nothing, and the attempt is flagged for the staff."""
    runs = graded[0]
    results, stdout, _ = runs[1005]
    assert runs["snoop"].startswith("PermissionError"), runs["snoop"]
    st = runs["metadata mode"]
    assert st.st_uid == 0 and st.st_mode & 0o777 == 0o600
    assert results["extra_data"]["student"] == "1005"  # root read it before
    assert results["score"] == sum(tasks.points().values())
    flags = results["extra_data"]["flags"]
    assert any(
        f.startswith("tried to read files outside its folder") and "submission_metadata" in f
        for f in flags
    ), flags
    assert "submission_metadata" not in results["output"] + "".join(
        t["output"] for t in results["tests"]
    )


def test_wrong_loses_the_task_with_the_named_mistake(graded):
    results = graded[0][1002][0]
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["batchnorm_forward_train"]["status"] == "failed"
    assert "N-1" in tests["batchnorm_forward_train"]["output"]
    assert tests["affine_forward"]["status"] == "passed"
    assert "named my_batchnorm.ipynb" in results["output"]


def test_hostile_cannot_read_the_source_nor_write_the_results(graded):
    runs, _, container = graded
    results, stdout, _ = runs[1003]
    report = runs["report"]
    assert report["read public"] == repr("anyone may read this")  # it ran, and reported
    for attempt in ("list source", "read secret", "read reference", "write results"):
        assert report[attempt].startswith("PermissionError"), (attempt, report[attempt])
    assert report["open up results"].startswith("PermissionError"), report
    # had it read the reference, batchnorm_backward would have full marks
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["batchnorm_backward"]["score"] == 0
    assert "999" not in (container.layout.results / "results.json").read_text()
    assert os.listdir(container.layout.results) == ["results.json"]
    # flagged for the staff (extra_data, stdout), not in what the student reads
    flags = results["extra_data"]["flags"]
    assert any("/autograder/source" in f for f in flags), flags
    assert any("/autograder/results" in f for f in flags), flags
    for flag in flags:
        assert flag in stdout
    shown = results["output"] + "".join(t["output"] for t in results["tests"])
    assert "/autograder/source" not in shown and "tried to" not in shown
    assert results["stdout_visibility"] == "hidden"


# --------------------------------------------------------------------------
# Two containers on one kernel: a fork bomb beside another submission
# --------------------------------------------------------------------------

FOREVER_BOMB = load_case("fork_bomb").SOURCE.replace("time.sleep(600)", "time.sleep(10**7)")
"""tests/hostile/fork_bomb.py, whose children sleep until killed rather than for 10 minutes."""

FLAGGED = """\
import subprocess as _subprocess

_subprocess.run(["true"], check=False)
np.allclose = lambda *args, **kwargs: True

"""
"""Flagged by the static scan (patches numpy) and at run time (runs a program, which needs a
process of the sandbox's uid; patched numpy)."""


def flagged_nb():
    return with_answers({"affine_forward_answer": FLAGGED + answer_source("affine_forward_answer")})


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, real uid, command line) of every process on the host."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(entry.name)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]), cmdline)
    return found


def _descendants(top: int) -> dict[int, tuple[int, int, str]]:
    procs = _processes()
    found, frontier = {}, {top}
    while frontier:
        frontier = {pid for pid, (ppid, _, _) in procs.items() if ppid in frontier}
        found |= {pid: procs[pid] for pid in frontier}
    return found


def _wait_for(condition, what: str):
    """Poll until ``condition()`` returns something true; a hang guard, not a time limit on
    the behaviour (a busy host only makes it wait longer)."""
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.005)
    pytest.fail(f"never happened: {what}")


def _sandbox_uids(container: subprocess.Popen) -> dict[int, int]:
    """uid -> how many processes of the container run as a sandbox uid."""
    counts: dict[int, int] = {}
    for _, uid, _ in _descendants(container.pid).values():
        if uid >= SLOT_UID_BASE:
            counts[uid] = counts.get(uid, 0) + 1
    return counts


def test_a_fork_bomb_in_one_container_leaves_anothers_sandbox_whole(graded, tmp_path):
    """Two containers on one kernel, each with its own /run/lock as on Gradescope, grade at
    the same time with uid isolation: A's fork bomb holds its sandbox uid at the process limit
    for the whole of B's run, and B's result (scores and every flag, the static scan's and the
    run's) is the one B gets graded alone.

    No clock decides it: once A's sandbox has started, A's grader is stopped (SIGSTOP), so
    nothing kills the bomb; the test waits until the bomb holds every process its uid may
    have, grades B, checks the bomb still holds them, then lets A finish."""
    container = graded[2]
    limit = sandbox_limits().max_processes
    pair = {}
    for name in ("a", "b"):
        root, drop = tmp_path / name, tmp_path / f"drop-{name}"
        shutil.copytree(container.root, root, symlinks=True)
        shutil.rmtree(root / "submission")
        shutil.rmtree(root / "results")
        drop.mkdir(mode=0o777)
        os.chmod(drop, 0o777)
        pair[name] = Container(root, drop, container.python, own_lock=True)
    a, b = pair["a"], pair["b"]

    alone, _, _ = b.submit({NOTEBOOK: flagged_nb()}, 2002)
    scanned = [f for f in alone["extra_data"]["flags"] if f.startswith("your affine_forward")]
    assert scanned and len(alone["extra_data"]["flags"]) > len(scanned), alone["extra_data"]

    a.prepare({NOTEBOOK: with_answers({"batchnorm_backward_answer": FOREVER_BOMB})}, 2001)
    bomb = subprocess.Popen(
        a.argv("/autograder/run_autograder"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    grader = None
    try:
        while True:
            _wait_for(lambda: _sandbox_uids(bomb) or bomb.poll() is not None, "A's sandbox")
            assert bomb.poll() is None, "A finished before its sandbox was seen"
            (grader,) = [
                pid for pid, (_, uid, cmd) in _descendants(bomb.pid).items()
                if uid == 0 and "autograder.gradescope run" in cmd
            ]  # fmt: skip
            os.kill(grader, signal.SIGSTOP)  # nothing of A's stops the bomb now
            held = _wait_for(
                lambda: ({u: n for u, n in _sandbox_uids(bomb).items() if n >= limit}
                         or ("gone" if not _sandbox_uids(bomb) else None)),
                "the bomb at its limit, or A's sandbox gone",
            )  # fmt: skip
            if held != "gone":
                break
            os.kill(grader, signal.SIGCONT)  # stopped too late: the next run of the bomb
        (bomb_uid,) = held

        during, stdout, _ = b.submit({NOTEBOOK: flagged_nb()}, 2002)
        assert _sandbox_uids(bomb).get(bomb_uid) == limit  # held for the whole of B's run
    finally:
        if grader is not None:
            os.kill(grader, signal.SIGCONT)
        out, _ = bomb.communicate(timeout=1800)
    assert bomb.returncode == 0, out
    assert "isolation: uid" in stdout
    assert sorted(during["extra_data"]["flags"]) == sorted(alone["extra_data"]["flags"])
    assert [(t["name"], t["score"]) for t in during["tests"]] == [
        (t["name"], t["score"]) for t in alone["tests"]
    ]
    assert during["score"] == alone["score"] == sum(tasks.points().values())
    bombed = {t["name"]: t["score"] for t in a.results()["tests"]}
    assert bombed["batchnorm_backward"] == 0
    assert bombed["affine_forward"] == tasks.points()["affine_forward"]


# --------------------------------------------------------------------------
# setup.sh's Python 3.11 on Ubuntu: the PPA, else Ubuntu's own, else a standalone CPython
# --------------------------------------------------------------------------

STAND_INS = {
    # what the image has: apt-get, add-apt-repository, its own python3 (for venv)
    "apt-get": """
case "$*" in
  *python3.11*)
    if [ -e "$STATE/ppa" ] || [ -z "$NO_ARCHIVE_311" ]; then
      cp "$TEMPLATES/python3.11" "$BIN/python3.11"; exit 0
    fi
    echo "E: Unable to locate package python3.11" >&2; exit 100 ;;
esac""",
    "add-apt-repository": """
[ -n "$NO_PPA" ] && { echo "Cannot add PPA: Launchpad unreachable" >&2; exit 1; }
touch "$STATE/ppa" """,
    "python3": """
[ "$1 $2" = "-m venv" ] && mkdir -p "$3/bin" && cp "$TEMPLATES/pip-python" "$3/bin/python" """,
}
TEMPLATES = {
    # what they install: a Python 3.11 (this test's), a venv's python whose pip installs uv,
    # uv, which installs a standalone CPython (this test's Python again) and finds it
    "python3.11": 'exec "$REAL_PYTHON" "$@"',
    "pip-python": '[ "$1 $2 $3" = "-m pip install" ] && cp "$TEMPLATES/uv" "$(dirname "$0")/uv"',
    "uv": """
found="$UV_PYTHON_INSTALL_DIR/cpython-3.11-linux/bin/python3.11"
case "$1 $2" in
  "python install") mkdir -p "$(dirname "$found")" && cp "$TEMPLATES/python3.11" "$found" ;;
  "python find") echo "$found" ;;
esac""",
}


def _stand_in(path: Path, name: str, body: str) -> None:
    path.write_text(f'#!/bin/bash\necho "{name} $*" >> "$LOG"\n{body}\n')
    path.chmod(0o755)


@pytest.mark.parametrize(
    ("fails", "chosen", "tried"),
    [
        ((), "the deadsnakes PPA", ["add-apt-repository -y ppa:deadsnakes/ppa"]),
        (("NO_PPA",), "Ubuntu's archive", ["add-apt-repository", "apt-get install"]),
        (("NO_PPA", "NO_ARCHIVE_311"), "standalone", ["pip install", "uv python install 3.11"]),
    ],
)
def test_setup_finds_python_311_on_ubuntu_when_launchpad_is_down(tmp_path, fails, chosen, tried):
    """setup.sh's chain on Ubuntu, with stand-ins for apt-get, add-apt-repository, the image's
    python3 and uv (this machine reaches neither Launchpad nor Ubuntu's archive nor uv's
    Python downloads): the first of the PPA, Ubuntu's own python3.11, a standalone CPython
    through uv that works is the one the venv is made with."""
    bin_dir, templates, state = tmp_path / "bin", tmp_path / "templates", tmp_path / "state"
    for folder in (bin_dir, templates, state):
        folder.mkdir()
    for name, body in STAND_INS.items():
        _stand_in(bin_dir / name, name, body)
    for name, body in TEMPLATES.items():
        _stand_in(templates / name, name, body)
    for tool in ("rm", "mkdir", "chmod", "dirname", "touch", "cp", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    (tmp_path / "os-release").write_text('ID=ubuntu\nVERSION_ID="22.04"\n')
    log = tmp_path / "log"
    env = {
        "PATH": str(bin_dir), "LOG": str(log), "STATE": str(state), "BIN": str(bin_dir),
        "TEMPLATES": str(templates), "REAL_PYTHON": sys.executable,
        "OS_RELEASE": str(tmp_path / "os-release"),
        "AUTOGRADER_GRADESCOPE_KIT": str(tmp_path / "kit"),
        **{f: "1" for f in fails},
    }  # fmt: skip
    setup = PACKAGE / "gradescope" / "files" / "setup.sh"
    done = subprocess.run(
        ["/bin/bash", "-c", f'. "{setup}" && python311'],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr + log.read_text()
    found = Path(done.stdout.strip())
    assert found.is_file()
    assert chosen in done.stderr, done.stderr
    calls = log.read_text()
    for call in tried:
        assert call in calls, calls
    if "NO_PPA" in fails:
        assert "the deadsnakes PPA failed" in done.stderr
    if "NO_ARCHIVE_311" in fails:
        assert found == tmp_path / "kit" / "python" / "cpython-3.11-linux" / "bin" / "python3.11"
    ran = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"], env=env,
                         capture_output=True, text=True)  # fmt: skip
    assert ran.stdout.strip() == "(3, 11)"


def test_each_assignment_has_its_zip(graded, tmp_path):
    """The dropout zip (``--assignment dropout``) grades dropout in the container: the
    reference's answers get every autograded point, a mistake is named; it carries batch norm's
    source, whose layers dropout's grading puts in the layers cell."""
    dropout = get("dropout")
    zipped, root = tmp_path / "dropout.zip", tmp_path / "autograder"
    build = subprocess.run(
        [*KIT, "gradescope", "--assignment", "dropout", "--out", str(zipped)],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        for info in archive.infolist():
            archive.extract(info, root / "source")
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    assert json.loads((root / "source" / SETTINGS).read_text())["assignment"] == "dropout"
    assert "solutions/batchnorm/BatchNormalization.ipynb" in names
    assert "assignment/dropout/Dropout.ipynb" in names
    assert not any(n.startswith("assignment/batchnorm/") for n in names)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (tmp_path / "drop").mkdir()
    container = Container(root, tmp_path / "drop", graded[2].python)
    setup = container.run("bash", "/autograder/source/setup.sh")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    points = sum(t.points for t in registry_of("dropout").values())
    results, _, _ = container.submit({dropout.notebook: student_nb(dropout)}, 2001)
    assert results["score"] == points and results["extra_data"]["flags"] == []
    mistake = next(v for v in DROPOUT_MISTAKES if v.name == "backward_without_mask")
    results, _, _ = container.submit({dropout.notebook: dropout_notebook(mistake)}, 2002)
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests) == list(registry_of("dropout"))
    assert tests[mistake.task]["score"] < tests[mistake.task]["max_score"]
    assert mistake.words in tests[mistake.task]["output"]
