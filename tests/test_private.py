"""Everything ``grade``, ``merge``, ``export`` and ``gradescope`` write is its owner's only, under
the umask 022 of a default shell: folders 0700, files with no bit for the group or others
(nbgrader's own outputs in OUT included); the grading secret and the gradebook 0600. With
``--group``, the group reads and writes (the secret: reads), and nobody else, tried as real
users.

One class of three, graded through the sandbox: once whole, and in two shards then merged, all
with one secret; then exported (a TA's work) and put in a Gradescope zip.
"""

from __future__ import annotations

import os
import stat
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ENV, KIT, needs_bubblewrap
from support.corpus import release_nb, student_nb
from support.hostusers import open_folder, readable, run_as, throwaway_group, throwaway_user
from support.paths import ASSIGNMENT, NOTEBOOK, NOTEBOOK_ID

from autograder.layout import ROOT

STUDENTS = {"ann": student_nb, "ben": student_nb, "cat": release_nb}


def kit(*args: str | Path, umask: int = 0o022) -> str:
    """``python -m autograder ARGS``, started under ``umask`` (a default shell's)."""
    done = subprocess.run(
        [*KIT, *map(str, args)], cwd=ROOT, env=ENV, capture_output=True, text=True,
        timeout=900, check=False, preexec_fn=lambda: os.umask(umask),
    )  # fmt: skip
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def submissions(folder: Path) -> Path:
    for student, notebook in STUDENTS.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(notebook(), folder / student / NOTEBOOK)
    return folder


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def not_private(root: Path) -> list[str]:
    """Everything under ``root`` (``root`` too) that is not its owner's only."""
    wrong = []
    for top, _dirs, files in os.walk(root):
        if mode(Path(top)) != 0o700:
            wrong.append(f"{top} {mode(Path(top)):o}")
        for name in files:
            if mode(Path(top, name)) & 0o077:
                wrong.append(f"{Path(top, name)} {mode(Path(top, name)):o}")
    return wrong


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("private")
    subs = submissions(root / "subs")
    secret = root / "course.secret"
    secret.write_bytes(os.urandom(32))
    one = root / "one"
    one.mkdir(mode=0o755)  # an OUT made beforehand, readable, with a readable file in it
    one.chmod(0o755)
    (one / "notes.txt").write_text("mine")
    (one / "notes.txt").chmod(0o644)
    kit("grade", subs, "--out", one, "--workers", "2")
    shards = [root / "shard1", root / "shard2"]
    for i, shard in enumerate(shards, start=1):
        kit("grade", subs, "--out", shard, "--secret", secret, "--shard", f"{i}/2")
    merged = root / "merged"
    kit("merge", *shards, "--out", merged)
    kit("export", one)
    zipped = root / "gradescope" / "autograder.zip"
    kit("gradescope", "--out", zipped)
    return {"one": one, "shards": shards, "merged": merged, "zip": zipped}


@needs_bubblewrap
def test_a_graded_and_exported_out_is_private(graded):
    one = graded["one"]
    written = [
        one / "grades.csv",
        one / "results.json",
        one / "report.html",
        one / "feedback" / "ann.html",
        one / "feedback" / "ann" / f"{NOTEBOOK_ID}.html",
        one / "course" / "autograded" / "ann" / ASSIGNMENT / NOTEBOOK,
        one / "course" / "feedback" / "ann" / ASSIGNMENT / f"{NOTEBOOK_ID}.html",
        one / "course" / "release" / ASSIGNMENT / NOTEBOOK,
        one / "results" / "ann.json",
    ]
    assert all(p.is_file() for p in written)  # nbgrader's outputs are in the walk below
    assert not_private(one) == []
    assert mode(one / "gradebook.db") == mode(one / "grading_secret") == 0o600
    assert mode(one / "notes.txt") == 0o600  # what was in OUT before is made private too


@needs_bubblewrap
def test_shards_and_their_merge_are_private(graded):
    for out in [*graded["shards"], graded["merged"]]:
        assert (out / "grades.csv").is_file()
        assert not_private(out) == []
        assert mode(out / "gradebook.db") == 0o600


@needs_bubblewrap
def test_the_gradescope_zip_and_its_secret_are_private(graded):
    zipped = graded["zip"]
    assert mode(zipped) == mode(zipped.with_suffix(".secret")) == 0o600
    assert mode(zipped.parent) == 0o700  # made by the command
    with zipfile.ZipFile(zipped) as archive:  # the image's own modes, unchanged
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert modes["grading_secret"] == 0o600 and modes["requirements/grading.txt"] == 0o644


@needs_bubblewrap
@pytest.mark.usefixtures("root")
def test_a_group_of_staff_shares_out_and_nobody_else_reads_it(tmp_path):
    with (
        throwaway_group("kitstaff") as staff,
        open_folder("private-group-") as base,
        throwaway_user(base, "kitta", groups=(staff,)) as ta,
        throwaway_user(base, "kitst") as student,
    ):
        out = base / "graded"
        kit("grade", submissions(tmp_path / "subs"), "--out", out, "--group", staff)
        gid = int(subprocess.check_output(["getent", "group", staff], text=True).split(":")[2])
        for top, _dirs, files in os.walk(out):
            assert mode(Path(top)) == 0o2770 and Path(top).stat().st_gid == gid, top
            for name in files:
                path = Path(top, name)
                wanted = 0o640 if name == "grading_secret" else 0o660
                if "autograded" in path.parts:  # nbgrader makes them read-only
                    wanted = 0o440
                assert (mode(path), path.stat().st_gid) == (wanted, gid), path

        files = [out / "grades.csv", out / "gradebook.db", out / "grading_secret", out]
        assert readable(ta, files) == dict.fromkeys(files, True)
        assert readable(student, files) == dict.fromkeys(files, False)
        # a TA of the group exports (nbgrader rewrites the feedback, the kit the CSV), as
        # themselves, under their own umask: the group keeps its access
        exported = run_as(ta, *KIT, "export", out, cwd=ROOT)
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert (out / "grades.csv").stat().st_uid == ta.uid
        assert mode(out / "grades.csv") == 0o660
        assert readable(student, files) == dict.fromkeys(files, False)

        kit("export", out, "--private")  # the owner takes it back
        assert readable(ta, files) == dict.fromkeys(files, False)
        assert mode(out) == 0o700 and mode(out / "grades.csv") == 0o600
