"""The check cells name the mistakes the grader names, while the student works.

The release carries a catalog (``cs231n/_catalog.json``) made from the task declarations: the
checks of every task on public diagnostic inputs, and signatures of the reference's and of
each known mistake's outputs there. A check cell runs the student's function on those inputs
and judges it as the hidden checks do (``cs231n/judging.py``, the grader's code too): every
mutant of ``mutants.py``, each a mistake the grader names, is named by its task's check cell in
the grader's words; every correct variant of ``alternatives.py`` passes every check cell; no
reference output is in the release.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from support.alternatives import CORRECT
from support.corpus import with_answers
from support.mutants import MUTANTS
from support.paths import RELEASE_DIR
from support.public_checks import check_outputs, words

from autograder import tasks
from autograder.grading.reference import expected_outputs, helpers
from autograder.kit import catalog

NAMED_AT_LEAST = 0.9
"""Share of the grader's named mistakes the check cells must name."""


def _named(mutant) -> bool:
    wanted = {d.task for d in tasks.dependencies(mutant.task)} | {mutant.task}
    nb = with_answers(mutant.answers, extra=list(mutant.extra_cells))
    return mutant.words in words(check_outputs(nb, wanted).get(mutant.task, ""))


def test_check_cells_name_the_graders_mistakes():
    """Each mutant's mistake, named in its task's feedback (tests/test_mutants.py), is named
    by that task's check cell, in the same words."""
    missed = [m.name for m in MUTANTS if not _named(m)]
    share = 1 - len(missed) / len(MUTANTS)
    assert share >= NAMED_AT_LEAST, missed
    assert not missed, f"named {share:.0%}; not named: {missed}"


@pytest.mark.parametrize("submission", CORRECT, ids=[s.name for s in CORRECT])
def test_correct_variants_pass_every_check_cell(submission):
    found = check_outputs(submission.notebook())
    failing = {t: text for t, text in found.items() if "All public checks" not in text}
    assert set(found) == set(tasks.ids())
    assert not failing, failing


def test_the_release_carries_the_current_catalog():
    shipped = json.loads((RELEASE_DIR / "cs231n" / catalog.CATALOG).read_text())
    assert shipped == json.loads(json.dumps(catalog.build())), "run: make release"


def _arrays(value):
    """Every list of numbers in a piece of the catalog."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item)
    elif isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        yield np.asarray(value, dtype=float)
    elif isinstance(value, list):
        for item in value:
            yield from _arrays(item)


def test_no_reference_output_is_in_the_release():
    """Of the reference's outputs on the public inputs, only signatures ship: no list of
    numbers in the catalog outside the inputs holds one of them."""
    shipped = json.loads((RELEASE_DIR / "cs231n" / catalog.CATALOG).read_text())
    for task, found in shipped["tasks"].items():
        declared = tasks.get(task)
        inputs = {
            part: {k: np.asarray(v["data"]).reshape(v["shape"]) for k, v in p["inputs"].items()}
            for part, p in found["parts"].items()
        }
        reference = expected_outputs({task: inputs})[task]
        for part, spec in found["parts"].items():
            signed = [*spec["expected"].values()]
            signed += [v["value"] for vs in spec["variants"].values() for v in vs]
            for value in signed:  # a signature, or names (a net's parameters: the contract's)
                assert "signature" in value or all(isinstance(n, str) for n in value), value
            outside_inputs = {k: v for k, v in spec.items() if k != "inputs"}
            numbers = [a.ravel() for a in _arrays(outside_inputs) if a.size > 1]
            for key, value in reference[part].items():
                value = np.asarray(value)
                if value.dtype.kind != "f" or value.size < 2 or np.max(np.abs(value)) < 1e-8:
                    continue  # a scalar, or zeros, says nothing of a solution
                for array in numbers:
                    if array.size >= value.size:
                        hits = np.isclose(array[: value.size], value.ravel(), 1e-6, 0)
                        assert not hits.all(), (declared.id, part, key)


def test_a_signature_tells_a_match_and_not_the_values():
    judging = helpers().judging
    rng = np.random.default_rng(0)
    value = rng.standard_normal((6, 5))
    signed = judging.Signature.of(value)
    assert len(signed.projections) < value.size
    assert judging.matches(value * (1 + 1e-9), signed)
    assert not judging.matches(value * (1 + 1e-4), signed)
    assert not judging.matches(value + 1e-3, signed)  # a constant offset shows
    assert not judging.matches(value.T.copy().reshape(6, 5), signed)
    assert judging.closeness("out", value, signed, 1e-6).passed
    assert not judging.closeness("out", value[:, :4], signed, 1e-6).passed
