"""The helpers the Dropout notebook adds to the shared cs231n/ folder: ``notebook_functions``
(a student's functions from their Batch Normalization notebook) and the dropout experiment's
plot; and the dropout assignment's cs231n/ being the batch-norm one's files, linked."""

from __future__ import annotations

import importlib
import linecache
import os
import traceback
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from support.helpers_package import PKG_DIR, helpers_package

from autograder.layout import ROOT

DROPOUT_PKG = ROOT / "solutions" / "dropout" / "cs231n"
BN_NOTEBOOK = ROOT / "solutions" / "batchnorm" / "BatchNormalization.ipynb"
LAYERS = [
    "affine_forward", "affine_backward", "relu_forward", "relu_backward", "batchnorm_forward",
    "batchnorm_backward", "batchnorm_backward_alt", "layernorm_forward", "layernorm_backward",
]  # fmt: skip
PATHS = ("../batchnorm/BatchNormalization.ipynb", "BatchNormalization.ipynb")


@pytest.fixture(scope="module")
def cs231n():
    """The helpers folder imported as the package ``cs231n``, for this module."""
    with helpers_package():
        yield SimpleNamespace(
            nf=importlib.import_module("cs231n.notebook_functions"),
            plotting=importlib.import_module("cs231n.plotting"),
        )


@pytest.fixture
def nf(cs231n):
    return cs231n.nf


def cell(kind, source, grade_id=None):
    new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    made = new(source)
    if grade_id:
        made.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3}
    return made


def write(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A course folder: the working folder is its dropout/, the other notebook's folder is
    batchnorm/."""
    (tmp_path / "dropout").mkdir()
    monkeypatch.chdir(tmp_path / "dropout")
    return tmp_path


SIMPLE = [
    cell("code", "import numpy as np", "setup"),
    cell("code", "def double(x):\n    return 2 * np.asarray(x)\n", "double_answer"),
    cell("code", "raise RuntimeError('a check cell: never run')", "double"),
    cell("code", "def triple(x):\n    return double(x) + x\n\nHELPER = 1\n", "triple_answer"),
    cell("markdown", "**Your answer:** dropout", "inline_question_1"),
    cell("code", "def mine(x):\n    return x\n"),  # a cell of the student's own
]


def test_define_runs_every_answer_cell_in_order(nf, work, capsys):
    write(work / "batchnorm" / "BatchNormalization.ipynb", SIMPLE)
    namespace = {"np": np}
    defined = nf.define(PATHS, namespace)
    assert defined == ["double", "triple", "HELPER"]
    assert "mine" not in namespace  # not an answer cell
    np.testing.assert_array_equal(namespace["triple"]([1, 2]), [3, 6])
    assert capsys.readouterr().out == (
        "From ../batchnorm/BatchNormalization.ipynb: double, triple, HELPER.\n"
    )


def test_define_with_names_runs_only_the_cells_that_define_them(nf, work, capsys):
    cells = [*SIMPLE, cell("code", "raise ValueError('not wanted')", "other_answer")]
    write(work / "batchnorm" / "BatchNormalization.ipynb", cells)
    namespace = {"np": np}
    assert nf.define(PATHS, namespace, names=["triple", "double"]) == ["triple", "double"]
    assert "HELPER" in namespace  # bound by a cell that defines a name asked for
    captured = capsys.readouterr()
    assert captured.out == "From ../batchnorm/BatchNormalization.ipynb: triple, double.\n"
    assert captured.err == ""  # the cell that raises was never run


def test_define_looks_at_each_path_in_turn(nf, work, capsys):
    write(work / "dropout" / "BatchNormalization.ipynb", SIMPLE)
    namespace = {"np": np}
    assert nf.define(PATHS, namespace, names=["double"]) == ["double"]
    assert capsys.readouterr().out == "From BatchNormalization.ipynb: double.\n"
    write(work / "batchnorm" / "BatchNormalization.ipynb", SIMPLE[:2])
    assert nf.define(PATHS, {"np": np}, names=["double"], quiet=True) == ["double"]
    assert nf.define("BatchNormalization.ipynb", {"np": np}, quiet=True) == [
        "double", "triple", "HELPER"
    ]  # fmt: skip


def test_no_notebook_is_one_line_saying_where_and_what_to_do(nf, work):
    with pytest.raises(nf.NotebookNotFound) as raised:
        nf.define(PATHS, {}, names=["affine_forward", "relu_forward"])
    rendered = raised.value._render_traceback_()
    assert len(rendered) == 1 and "\n" not in rendered[0]
    message = rendered[0]
    for words in (
        "../batchnorm/BatchNormalization.ipynb and BatchNormalization.ipynb",
        str(work / "dropout"),
        "put BatchNormalization.ipynb in ../batchnorm/ or beside this notebook",
        "paste your functions (affine_forward, relu_forward) into a cell of your own above",
    ):
        assert words in message
    assert isinstance(raised.value, FileNotFoundError)


def test_no_notebook_but_functions_pasted_above(nf, work, capsys):
    namespace = {"double": lambda x: 2 * x}
    assert nf.define(PATHS, namespace, names=["double"]) == []
    assert "using your own double, defined above" in capsys.readouterr().out


def test_an_unreadable_notebook_is_one_line(nf, work):
    (work / "dropout" / "BatchNormalization.ipynb").write_text("{not json")
    with pytest.raises(nf.NotebookNotFound) as raised:
        nf.define(PATHS, {})
    assert len(raised.value._render_traceback_()) == 1
    assert "cannot be read as a notebook" in str(raised.value)
    (work / "dropout" / "BatchNormalization.ipynb").write_text("[1, 2]")
    with pytest.raises(nf.NotebookNotFound, match="not a notebook of Jupyter's format 4"):
        nf.define(PATHS, {})


def test_a_failing_cell_is_reported_and_the_others_still_run(nf, work, capsys):
    cells = [
        cell("code", "def one():\n    return 1\n", "one_answer"),
        cell("code", "def two(:\n", "two_answer"),
        cell(
            "code", "def three():\n    return 3\nprint('hello')\nundefined_name\n", "three_answer"
        ),
        cell("code", "def four():\n    return one() + 3\n", "four_answer"),
    ]
    write(work / "dropout" / "BatchNormalization.ipynb", cells)
    namespace = {}
    defined = nf.define(PATHS, namespace, names=["one", "two", "three", "four"])
    assert defined == ["one", "three", "four"]  # three: defined before its cell raised
    assert namespace["four"]() == 4
    captured = capsys.readouterr()
    assert "hello" not in captured.out  # what the cells print is not shown
    assert "its cell two_answer has a syntax error" in captured.err
    assert "its cell three_answer raised NameError" in captured.err
    assert "Not found in BatchNormalization.ipynb's answer cells: two:" in captured.err


def test_errors_in_defined_functions_name_the_notebook_and_cell(nf, work):
    cells = [cell("code", "def broken(x):\n    y = x + 1\n    return y / 0\n", "broken_answer")]
    write(work / "batchnorm" / "BatchNormalization.ipynb", cells)
    namespace = {}
    nf.define(PATHS, namespace, quiet=True)
    with pytest.raises(ZeroDivisionError) as raised:
        namespace["broken"](1)
    frame = traceback.extract_tb(raised.tb)[-1]
    assert frame.filename == "<../batchnorm/BatchNormalization.ipynb, cell broken_answer>"
    assert frame.lineno == 3
    assert linecache.getline(frame.filename, 3).strip() == "return y / 0"


def test_magics_in_answer_cells_do_not_break_parsing(nf, work):
    cells = [cell("code", "%matplotlib inline\ndef f():\n    return 5\n", "f_answer")]
    write(work / "dropout" / "BatchNormalization.ipynb", cells)
    calls = []
    shell = SimpleNamespace(run_line_magic=lambda *args: calls.append(args))
    namespace = {"get_ipython": lambda: shell}
    assert nf.define(PATHS, namespace, quiet=True) == ["f"]
    assert namespace["f"]() == 5 and calls == [("matplotlib", "inline")]


def test_the_reference_layers_from_the_batchnorm_source(nf, work, monkeypatch):
    monkeypatch.chdir(BN_NOTEBOOK.parent)
    namespace = {"np": np}
    assert nf.define("BatchNormalization.ipynb", namespace, names=LAYERS, quiet=True) == LAYERS
    assert "FullyConnectedNet" not in namespace
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    out, _ = namespace["relu_forward"](x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    out, _ = namespace["batchnorm_forward"](x, np.ones(4), np.zeros(4), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)


def test_dropout_helpers_are_links_to_the_batchnorm_files():
    assert DROPOUT_PKG.is_dir() and not DROPOUT_PKG.is_symlink()
    shared = sorted(p.name for p in PKG_DIR.glob("*.py"))
    assert sorted(p.name for p in DROPOUT_PKG.iterdir() if p.name != "__pycache__") == shared
    for name in shared:
        link = DROPOUT_PKG / name
        assert link.is_symlink(), name
        assert os.readlink(link) == f"../../batchnorm/cs231n/{name}"
        assert link.resolve() == (PKG_DIR / name).resolve()


def test_plot_dropout_experiment(cs231n):
    solvers = {
        "keep 1": SimpleNamespace(train_acc_history=[0.1, 0.8, 1.0], val_acc_history=[0.1, 0.4]),
        "keep 0.25": SimpleNamespace(train_acc_history=[0.1, 0.5, 0.7], val_acc_history=[0.1, 0.5]),
    }
    fig = cs231n.plotting.plot_dropout_experiment(solvers, title="Dropout")
    try:
        train_ax, val_ax = fig.axes
        assert [train_ax.get_title(), val_ax.get_title()] == [
            "Training accuracy", "Validation accuracy"
        ]  # fmt: skip
        for ax in fig.axes:
            assert ax.get_xlabel() == "Epoch"
            assert [line.get_label() for line in ax.get_lines()] == ["keep 1", "keep 0.25"]
        np.testing.assert_array_equal(train_ax.get_lines()[1].get_ydata(), [0.1, 0.5, 0.7])
        np.testing.assert_array_equal(val_ax.get_lines()[0].get_xdata(), [0, 1])
        assert train_ax.get_shared_y_axes().joined(train_ax, val_ax)
        assert fig.get_suptitle() == "Dropout"
    finally:
        plt.close(fig)
    with pytest.raises(ValueError):
        cs231n.plotting.plot_dropout_experiment({})


def test_where_to_look_skips_the_helpers_frames_through_the_links():
    """diagnose.location names the student's frame, not a helper's, when cs231n/ is the
    dropout assignment's folder of links."""
    with helpers_package(DROPOUT_PKG):
        diagnose = importlib.import_module("cs231n.diagnose")
        gradient_check = importlib.import_module("cs231n.gradient_check")
        assert gradient_check.__file__ == str(DROPOUT_PKG / "gradient_check.py")

        def students_code():
            return gradient_check.rel_error(np.zeros(3), np.zeros(4))  # shapes disagree

        with pytest.raises(ValueError) as raised:
            students_code()
        where = diagnose.location(raised.tb)
        assert where.startswith("students_code, ") and "test_notebook_functions.py" in where
