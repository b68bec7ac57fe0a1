"""Every assignment's notebook: the reference runs and passes its public checks; the release runs
to its last cell, where Run All ignores the ``raises-exception`` tag too (VS Code, Colab,
``nbconvert --execute``), each check cell reporting its task's stub; check cells report without
raising, say first when the cause is upstream, catch what the student's code raises and say
where, and locked cells say that they are locked. Batch norm's reference reproduces SPEC.md's
published values."""

from __future__ import annotations

import ast
import copy
import io
import re
from contextlib import redirect_stderr, redirect_stdout

import nbformat
import numpy as np
import pytest
from conftest import cell_text, executed_reference, executed_release
from support import corpus
from support.dropout_variants import MISTAKES as DROPOUT_MISTAKES
from support.dropout_variants import notebook as dropout_notebook

from autograder import tasks
from autograder.grading.reference import helpers
from autograder.kit.notebooks import errors, execute_in
from autograder.layout import assignments

TASKS = tasks.ids()
ASSIGNMENTS = list(assignments())
EVERY_TASK = [(a, t) for a in ASSIGNMENTS for t in tasks.registry_of(a)]
BOTH = [(a, folder) for a in ASSIGNMENTS for folder in ("source", "release")]


def folder_of(assignment: str, which: str):
    found = assignments()[assignment]
    return found.source_notebook if which == "source" else found.release_notebook


def functions(assignment: str) -> list[str]:
    return list(dict.fromkeys(t.function for t in tasks.registry_of(assignment).values()))


def experiments(nb) -> list[str]:
    ids = [c.metadata.get("nbgrader", {}).get("grade_id", "") for c in nb.cells]
    return [i for i in ids if re.fullmatch(r"experiment_\d+", i)]


def published(value: float, digits: int):
    """A value published with ``digits`` significant digits: equal to within half a unit of the
    last digit (compared as a number, not as printed text)."""
    unit = 10.0 ** (np.floor(np.log10(abs(value))) - digits + 1)
    return pytest.approx(value, abs=unit / 2)


def printed(text: str, label: str, nth: int = 0) -> np.ndarray:
    """The nth array printed after ``label`` (e.g. "means:") in a cell's output."""
    found = re.findall(re.escape(label) + r"\s*\[([^\]]*)\]", text)
    return np.array(found[nth].split(), dtype=float)


def printed_error(text: str, name: str) -> float:
    return float(re.search(rf"\[PASS\] {name}: relative error (\S+)", text).group(1))


def graded_cells(nb):
    """The cells worth points: the tasks' check cells and the written answers."""
    return [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"]["points"]
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_runs_without_error(assignment):
    assert errors(executed_reference(assignment)) == []


@pytest.mark.parametrize(("assignment", "task"), EVERY_TASK)
def test_reference_passes_its_public_checks(assignment, task):
    text = cell_text(executed_reference(assignment), task)
    assert f"All public checks for {task} passed." in text
    assert "FAIL" not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_heading_points_and_grade_ids_agree(assignment):
    nb = nbformat.read(folder_of(assignment, "source"), as_version=4)
    tests = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in graded_cells(nb)
        if not c.metadata["nbgrader"]["solution"]
    }
    assert list(tests) == list(tasks.registry_of(assignment))
    headings = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for task, points in tests.items():
        unit = "point" if points == 1 else "points"
        assert f"## Task `{task}` — {points} {unit}" in headings
        assert f"| `{task}` | {points} |" in headings
    total = sum(c.metadata["nbgrader"]["points"] for c in graded_cells(nb))
    assert f"| **total** | **{total}** |" in headings


def test_batchnorm_train_statistics_match_published(reference_nb):
    text = cell_text(reference_nb, "batchnorm_forward_train")
    # Before BN: means ≈ [-2.381 -13.180 1.918], stds ≈ [27.19 34.21 37.69]
    # published with 3 and 2 decimals ("means ~ [-2.381 -13.180 1.918]")
    np.testing.assert_allclose(printed(text, "means:", 0), [-2.381, -13.180, 1.918], atol=5e-4)
    np.testing.assert_allclose(printed(text, "stds:", 0), [27.19, 34.21, 37.69], atol=5e-3)
    np.testing.assert_allclose(printed(text, "stds:", 1), [0.99999999, 1.0, 1.0], rtol=0, atol=5e-9)
    np.testing.assert_allclose(printed(text, "means:", 2), [11.0, 12.0, 13.0], rtol=0, atol=5e-9)
    np.testing.assert_allclose(printed(text, "stds:", 2), [1, 2, 3], atol=1e-7)


def test_batchnorm_test_mode_matches_published(reference_nb):
    text = cell_text(reference_nb, "batchnorm_forward_test")
    np.testing.assert_allclose(
        printed(text, "means:"), [-0.03927354, -0.04349152, -0.10452688], rtol=0, atol=5e-9
    )
    np.testing.assert_allclose(
        printed(text, "stds:"), [1.01531428, 1.01238373, 0.97819988], rtol=0, atol=5e-9
    )


def test_gradient_checks_match_published(reference_nb):
    bn = cell_text(reference_nb, "batchnorm_backward")
    assert printed_error(bn, "dx vs numerical gradient") == published(1.7e-09, 2)
    assert printed_error(bn, "dgamma vs numerical gradient") == published(7.4e-13, 2)
    assert printed_error(bn, "dbeta vs numerical gradient") == published(2.9e-12, 2)
    ln = cell_text(reference_nb, "layernorm_backward")
    assert printed_error(ln, "dx vs numerical gradient") == published(1.4e-09, 2)
    assert printed_error(ln, "dgamma vs numerical gradient") == published(4.5e-12, 2)
    assert printed_error(ln, "dbeta vs numerical gradient") == published(2.3e-12, 2)
    alt = cell_text(reference_nb, "batchnorm_backward_alt")
    assert printed_error(alt, "dx vs batchnorm_backward") < 1e-11
    assert printed_error(alt, "dgamma vs batchnorm_backward") == 0
    assert "speedup:" in alt


def test_layernorm_statistics_match_published(reference_nb):
    text = cell_text(reference_nb, "layernorm_forward")
    np.testing.assert_allclose(
        printed(text, "stds:", 1), [0.99999995, 0.99999999, 1.0, 0.99999969], rtol=0, atol=5e-9
    )


def test_net_initial_losses_match_published(reference_nb):
    text = cell_text(reference_nb, "FullyConnectedNet")
    losses = [float(v) for v in re.findall(r"Initial loss: (\S+)", text)]
    assert losses == [2.2611955101340957, 6.996533220108303]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_says_which_dataset_and_plots(assignment):
    nb = executed_reference(assignment)
    assert "Dataset: MNIST-1D" in cell_text(nb, "load_data")
    assert experiments(nb)
    for experiment in experiments(nb):
        cell = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == experiment)
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), experiment
        assert "skipped" not in cell_text(nb, experiment)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_reports_only_task_stubs(assignment):
    """The blank release runs without an error output: each check cell reports the stub of
    its task (or of the task it uses first), and the experiments say what they wait for."""
    nb = executed_release(assignment)
    assert errors(nb) == []
    for task in tasks.registry_of(assignment):
        text = cell_text(nb, task)
        assert f"1 of 1 public checks for {task} FAILED." in text, text
        stub = re.search(
            r"\[FAIL\] (\w+) is not implemented yet: write it where its cell says", text
        )
        assert stub and stub.group(1) in functions(assignment), text
    for experiment in experiments(nb):
        assert "skipped: it needs a task that is not implemented yet" in cell_text(nb, experiment)


def without_tags(nb):
    """The notebook as a front end that ignores cell tags sees it (VS Code, Colab)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
    return nb


def _dropout_mistake(name: str):
    return dropout_notebook(next(v for v in DROPOUT_MISTAKES if v.name == name))


RUN_ALL = {
    "batchnorm: blank release": ("batchnorm", lambda: corpus.release_nb()),
    "batchnorm: one wrong function (ddof=1)": ("batchnorm", lambda: corpus.with_answers(
        {
            "batchnorm_forward_answer": corpus.answer_source("batchnorm_forward_answer").replace(
                "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
            )
        }
    )),
    "dropout: blank release": ("dropout", lambda: corpus.release_nb(assignments()["dropout"])),
    "dropout: one wrong function (p as the drop probability)": (
        "dropout", lambda: _dropout_mistake("keep_is_drop")
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", RUN_ALL)
def test_run_all_reaches_the_end_where_raises_exception_is_ignored(case):
    """nbclient stops at the first error of a cell without the tag (allow_errors=False), as
    VS Code's Run All stops at any error (vscode-jupyter#11441): every code cell still runs."""
    assignment, make = RUN_ALL[case]
    folder = assignments()[assignment].release_dir
    nb = execute_in(without_tags(make()), folder, allow_errors=False)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert errors(nb) == []
    summary = cell_text(nb, "summary")
    assert "tasks pass their public checks" in summary, summary


def released_functions(assignment: str) -> dict:
    nb = nbformat.read(folder_of(assignment, "release"), as_version=4)
    namespace = {"np": np}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_answer"):
            exec(cell.source, namespace)  # noqa: S102  (the release's own stubs)
    return namespace


def test_each_dropout_stub_raises_its_own_error():
    namespace = released_functions("dropout")
    x = np.ones((2, 3))
    calls = {
        "dropout_forward": lambda f: f(x, {"mode": "train", "p": 0.5}),
        "dropout_backward": lambda f: f(x, ({"mode": "train", "p": 0.5}, x)),
        "FullyConnectedNet": lambda f: f([5], input_dim=3),
    }
    assert set(calls) == set(functions("dropout"))
    for name, call in calls.items():
        with pytest.raises(NotImplementedError, match=rf"^{name}: not implemented yet"):
            call(namespace[name])


def test_each_stub_raises_its_own_error():
    """Call every released function directly: each names its own task."""
    namespace = released_functions("batchnorm")
    x, w, b = np.ones((2, 3)), np.ones((3, 4)), np.ones(4)
    gamma, beta = np.ones(3), np.zeros(3)
    calls = {
        "affine_forward": lambda f: f(x, w, b),
        "affine_backward": lambda f: f(np.ones((2, 4)), (x, w, b)),
        "relu_forward": lambda f: f(x),
        "relu_backward": lambda f: f(x, x),
        "batchnorm_forward": lambda f: f(x, gamma, beta, {"mode": "train"}),
        "batchnorm_backward": lambda f: f(x, None),
        "batchnorm_backward_alt": lambda f: f(x, None),
        "layernorm_forward": lambda f: f(x, gamma, beta, {}),
        "layernorm_backward": lambda f: f(x, None),
        "FullyConnectedNet": lambda f: f([5], input_dim=3),
    }
    for name, call in calls.items():
        with pytest.raises(NotImplementedError, match=rf"^{name}: not implemented yet"):
            call(namespace[name])
    with pytest.raises(NotImplementedError, match=r"^batchnorm_forward: not implemented yet"):
        namespace["batchnorm_forward"](x, gamma, beta, {"mode": "test"})


# Check cells tell the truth everywhere ------------------------------------------------------


def depends_on(assignment: str, task: str) -> tuple[str, ...]:
    """Which tasks' functions a check cell also runs, as the task declarations say: a backward
    check runs its forward pass first, the net uses every layer (or, for dropout's net, the
    dropout its hidden checks take from the reference)."""
    with_env = tasks.registry_of(assignment)
    found = list(dict.fromkeys(d.task for d in _dependencies(assignment, task)))
    return tuple(found + [t for t in with_env[task].with_reference if t not in found])


def _dependencies(assignment: str, task: str):
    declared = tasks.registry_of(assignment)[task].depends_on
    if isinstance(declared, str):  # every earlier task
        order = list(tasks.registry_of(assignment))
        return [tasks.Dependency(t, "uses it") for t in order[: order.index(task)]]
    return list(declared)


def check_cells(nb):
    return [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and c.metadata["nbgrader"]["grade"]
        and not c.metadata["nbgrader"]["solution"]
        and c.metadata["nbgrader"]["points"]
    ]


def check_blocks(cell) -> list[ast.Call]:
    """The ``check.task(...)`` of a cell's ``with`` blocks."""
    tree = ast.parse(re.sub(r"(?m)^%.*$", "", cell.source))
    return [
        item.context_expr
        for node in ast.walk(tree)
        if isinstance(node, ast.With)
        for item in node.items
        if isinstance(item.context_expr, ast.Call)
        and ast.unparse(item.context_expr.func) == "check.task"
    ]


@pytest.mark.parametrize(("assignment", "folder"), BOTH)
def test_each_check_cell_is_one_check_block(assignment, folder):
    """A check cell is one ``with check.task(...)`` block, so nothing it calls stops Run All;
    the summary cell, worth no points, comes after the last."""
    nb = nbformat.read(folder_of(assignment, folder), as_version=4)
    cells = check_cells(nb)
    order = list(tasks.registry_of(assignment))
    assert [c.metadata["nbgrader"]["grade_id"] for c in cells] == order
    for cell in cells:
        tree = ast.parse(cell.source)
        assert len(tree.body) == 1 and isinstance(tree.body[0], ast.With), cell.source
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert ids.index("summary") > ids.index(order[-1])
    summary = nb.cells[ids.index("summary")]
    assert summary.metadata["nbgrader"]["points"] == 0 and summary.metadata["nbgrader"]["grade"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_cells_declare_what_they_depend_on(assignment):
    nb = nbformat.read(folder_of(assignment, "source"), as_version=4)
    for cell in check_cells(nb):
        task = cell.metadata["nbgrader"]["grade_id"]
        (call,) = check_blocks(cell)
        assert ast.literal_eval(call.args[0]) == task
        declared = {
            k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg == "depends_on"
        }
        assert declared.get("depends_on", ()) == depends_on(assignment, task), task


@pytest.mark.parametrize(("assignment", "folder"), BOTH)
def test_locked_code_cells_say_so(assignment, folder):
    nb = nbformat.read(folder_of(assignment, folder), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        first = cell.source.splitlines()[0]
        if cell.cell_type == "code" and meta["locked"]:
            assert re.match(r"# Locked \(read-only\): the instructor's \w+.{20,}", first), first
        elif cell.cell_type == "code":
            assert "Locked" not in first


@pytest.fixture
def check(monkeypatch):
    """The helpers' checking module, with no verdicts recorded, outside a validation."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("CS231N_VALIDATE", raising=False)
    module = helpers().checking
    module._verdicts.clear()
    yield module
    module._verdicts.clear()


def printed_by(function, *args, **kwargs) -> tuple[str, str, BaseException | None]:
    """(stdout, stderr, what it raised) of a call."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001  (the test looks at it)
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def test_report_prints_records_and_never_raises(check):
    findings = [
        check.Finding("out vs published", True, "relative error 1e-10"),
        check.Finding("stds", False, "off by 0.01", "your variance uses N-1"),
        check.Finding("means", False, "off by 0.1"),
    ]
    text, err, exc = printed_by(check.report, "batchnorm_forward_train", findings)
    assert exc is None
    assert text.rstrip().endswith("2 of 3 public checks for batchnorm_forward_train FAILED.")
    assert check.verdict("batchnorm_forward_train") is False
    # outside a validation, a failure is summed up on stderr: task, first failure, mistake
    assert err.startswith("[FAIL] batchnorm_forward_train: 2 of 3 public checks failed; stds")
    assert "likely mistake: your variance uses N-1" in err
    text, err, exc = printed_by(check.report, "affine_forward", findings[:1])
    assert exc is None and not err and "All public checks for affine_forward passed." in text
    assert check.verdict("affine_forward") is True


def test_report_says_nothing_on_stderr_while_validating(check, monkeypatch):
    """nbgrader's Validate fails a graded cell that writes to stderr: only the summary fails."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    _, err, exc = printed_by(check.report, "relu_forward", [check.Finding("x", False, "bad")])
    assert exc is None and err == "" and check.verdict("relu_forward") is False


def test_report_names_a_failing_dependency_first(check):
    bad, good = [check.Finding("x", False, "bad")], [check.Finding("x", True, "good")]
    printed_by(check.report, "batchnorm_forward_train", bad)
    text, err, _ = printed_by(
        check.report, "batchnorm_backward", bad, depends_on=("batchnorm_forward_train",)
    )
    assert text.startswith(
        "Cause upstream: batchnorm_forward_train fails its public checks, and this check of "
        "batchnorm_backward uses batchnorm_forward: fix batchnorm_forward_train first"
    )
    assert text.index("Cause upstream") < text.index("Task batchnorm_backward: public checks")
    assert "cause upstream: fix batchnorm_forward_train first" in " ".join(err.split())
    # said even when this task's own checks pass: its result rests on a failing function
    text, _, _ = printed_by(
        check.report, "batchnorm_backward", good, depends_on=("batchnorm_forward_train",)
    )
    assert text.startswith("Cause upstream: batchnorm_forward_train")
    # a dependency that passes is not mentioned
    printed_by(check.report, "batchnorm_forward_train", good)
    text, err, _ = printed_by(
        check.report, "batchnorm_backward", bad, depends_on=("batchnorm_forward_train",)
    )
    assert text.startswith("Task batchnorm_backward") and "upstream" not in err


def test_report_notes_a_dependency_not_checked_in_this_session(check):
    bad, good = [check.Finding("x", False, "bad")], [check.Finding("x", True, "good")]
    text, _, _ = printed_by(
        check.report, "layernorm_backward", bad, depends_on=("layernorm_forward",)
    )
    assert text.startswith(
        "Note: layernorm_forward has not passed its public checks in this session"
    )
    text, _, _ = printed_by(
        check.report, "layernorm_backward", good, depends_on=("layernorm_forward",)
    )
    assert text.startswith("Task layernorm_backward")


def _checked(check, task, body, depends_on=()):
    """Run ``body`` as a check cell of ``task``: (stdout, stderr, what escaped)."""

    def cell():
        with check.task(task, depends_on=depends_on) as findings:
            body(findings)

    return printed_by(cell)


def test_a_check_block_reports_what_the_code_raised_and_where(check):
    def body(findings):
        findings.append(check.Finding("out", True, "fine"))
        raise ValueError("shapes (2,3) and (4,5) not aligned")

    text, err, exc = _checked(check, "affine_forward", body)
    assert exc is None and check.verdict("affine_forward") is False
    assert "[FAIL] running the check: your code raised ValueError: shapes (2,3)" in text
    assert "test_notebooks.py" in text  # where: the innermost frame outside the helpers
    assert err.startswith("[FAIL] affine_forward: 1 of 2 public checks failed")


def test_a_check_block_names_a_stub_and_spares_the_upstream_note(check):
    printed_by(check.report, "batchnorm_forward_train", [check.Finding("x", False, "bad")])

    def body(findings):
        raise NotImplementedError("batchnorm_backward: not implemented yet; write it here")

    text, err, exc = _checked(
        check, "batchnorm_backward", body, depends_on=("batchnorm_forward_train",)
    )
    assert exc is None
    assert "[FAIL] batchnorm_backward is not implemented yet: write it where its cell" in text
    assert "Cause upstream" not in text  # its own stub: fixing the forward would not help
    assert err == ""  # a stub is the start of the work, not an alarm


def test_a_check_block_lists_warnings_and_lets_an_interrupt_through(check):
    import warnings

    def body(findings):
        warnings.warn("invalid value encountered in sqrt", RuntimeWarning, stacklevel=1)
        findings.append(check.Finding("out", True, "fine"))

    text, err, exc = _checked(check, "relu_forward", body)
    assert exc is None and not err
    assert "Your code warned: RuntimeWarning: invalid value encountered in sqrt" in text

    def stop(findings):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _checked(check, "relu_forward", stop)


def test_the_summary_raises_only_when_validating(check, monkeypatch):
    printed_by(check.report, "affine_forward", [check.Finding("x", False, "bad", "a mistake")])
    text, _, exc = printed_by(check.summary)
    assert exc is None and "[FAIL] affine_forward: x" in text
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    text, _, exc = printed_by(check.summary)
    assert isinstance(exc, check.PublicChecksFailed)
    assert exc._render_traceback_()[1:3] == ["[FAIL] affine_forward: x",
                                             "    likely mistake: a mistake"]  # fmt: skip
