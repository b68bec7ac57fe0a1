"""The similarity check on documents built in memory (no grading): planted copies are flagged,
independent correct implementations are not, the release's code does not count, and the
token stream is copydetect's."""

from __future__ import annotations

import pytest
from copydetect.utils import filter_code
from support import alternatives as alt
from support import copies
from support.corpus import release_nb

from autograder.grading.reference import answer_cells, grade_id
from autograder.similarity.compare import COMMON_MIN, MIN_SHARED, THRESHOLD, compare
from autograder.similarity.documents import Document, release_stubs
from autograder.similarity.record import Record
from autograder.similarity.tokens import filter_python

SUBMISSIONS = {s.name: s for s in alt.CORRECT}
B = SUBMISSIONS["einsum_tuple_cache_layer_list_net"].answers
C = SUBMISSIONS["other_graphs_jacobians_dispatch_net"].answers
D = SUBMISSIONS["loops_and_prints"].answers
REFERENCE = alt.REFERENCE_ANSWERS


def run(**documents: dict[str, str]):
    return compare([Document(n, p) for n, p in documents.items()], [], release_stubs())


def pair(found, a: str, b: str):
    (only,) = [p for p in found.pairs if {p.a, p.b} == {a, b}]
    return only


def flagged(found, a: str, b: str) -> bool:
    return any({p.a, p.b} == {a, b} for p in found.flagged)


@pytest.mark.parametrize("source", [*B.values(), *C.values(), *REFERENCE.values()])
def test_without_normalizing_the_stream_is_copydetects(source):
    assert filter_python(source, normalize=False)[0] == filter_code(source, "a.py", "python")[0]


def test_the_normalized_stream_ignores_what_a_formatter_changes():
    plain = "def f(x):\n    return np.sum(x, axis=0) * 1.0\n"
    black = (
        "def g(y):\n    return (\n        np.sum(\n            y,\n            axis=0,\n"
        "        )\n        * 1.\n    )\n"
    )
    assert filter_python(plain)[0] == filter_python(black)[0]


@pytest.mark.parametrize("how", list(copies.TRANSFORMATIONS))
def test_a_planted_copy_is_flagged(how):
    copy = copies.planted(B, how)
    assert copy != B
    found = run(ann=B, ben=copy, cal=C)
    copied = pair(found, "ann", "ben")
    assert copied.flagged and copied.score >= 0.9, copied.score
    assert {p.a + p.b for p in found.flagged} == {"annben"}


def test_three_independent_implementations_are_not_flagged():
    found = run(bea=B, cyd=C, dee=D, ref=REFERENCE)
    assert found.compared == 6 and not found.flagged
    assert all(score < THRESHOLD / 2 for score in found.scores), found.scores


def test_the_release_counts_as_boilerplate():
    """Two students who handed in the release's stubs share all of it, and nothing counts."""
    blank = {grade_id(c): c.source for c in answer_cells(release_nb())}
    found = run(amy=blank, bob=dict(blank))
    assert found.scores == [0.0] and not found.pairs


def test_code_most_of_a_class_wrote_is_not_evidence():
    """Helpers that COMMON_MIN students all have are left out: two of them are compared on the
    rest (a batch norm of their own, or the same one). In a smaller class they count."""
    helper = "def helper_{0}(x, axis={0}):\n    return np.maximum(x - {0}, 0).sum(axis)\n"
    helpers = "\n".join(helper.format(i) for i in range(30))
    own = [c["batchnorm_forward_answer"] for c in (B, C, D, REFERENCE)]

    def students(n):
        return {f"s{i}": {"batchnorm_forward_answer": own[i % 4], "helpers": helpers}
                for i in range(n)}  # fmt: skip

    found = run(**students(COMMON_MIN))
    assert found.common > 0
    assert flagged(found, "s1", "s5")  # the same batch norm
    assert not flagged(found, "s1", "s2")  # only the helpers alike
    small = run(**students(COMMON_MIN - 1))
    assert small.common == 0 and flagged(small, "s1", "s2")


def test_short_answers_alike_are_not_flagged():
    """One short function alike is chance: the pair is listed, with its score, not flagged."""
    relu = "def relu_forward(x):\n    mask = x > 0\n    out = x * mask\n    return out, (x, mask)\n"
    found = run(amy={"relu_forward_answer": relu}, bob={"relu_forward_answer": relu})
    assert found.pairs[0].score == 1.0 and found.pairs[0].shared < MIN_SHARED
    assert not found.flagged


def test_spans_name_their_cells_and_lines():
    copy = copies.planted(B, "variables renamed")
    found = pair(run(ann=B, ben=copy), "ann", "ben")
    cells = {s.cell for s in found.a_spans}
    assert "batchnorm_forward_answer" in cells and cells <= set(B)
    for span in found.a_spans:
        source = B[span.cell]
        assert 0 <= span.start < span.end <= len(source)
        lines = source.splitlines()[span.first_line - 1 : span.last_line]
        assert span.code == "\n".join(lines) and source[span.start : span.end].strip() in source


def test_the_record_reads_back_what_it_wrote(tmp_path):
    found = run(ann=B, ben=copies.planted(B, "all four at once"), cal=C)
    record = Record("batchnorm", THRESHOLD, MIN_SHARED, ["ann", "ben", "cal"], [], 3, 0,
                    found.pairs, {"dan": "no notebook was submitted"})  # fmt: skip
    record.save(tmp_path)
    from autograder.similarity.record import load

    again = load(tmp_path)
    assert again is not None and again.to_json() == record.to_json()  # scores to 4 places
    assert load(tmp_path / "nowhere") is None


def test_the_reports_section_says_when_it_is_out_of_date():
    from autograder.course.report.similar import section

    found = run(ann=B, ben=copies.planted(B, "variables renamed"))
    record = Record("batchnorm", THRESHOLD, MIN_SHARED, ["ann", "ben"], [], 1, 0, found.pairs,
                    {"dan": "no notebook was submitted"})  # fmt: skip
    graded = {s: {"status": "graded"} for s in ("ann", "ben", "dan")}
    assert section(None, graded) == ""
    assert "similarity-stale" not in section(record, graded)
    later = section(record, {**graded, "cal": {"status": "graded"}})
    assert "Out of date:</b> not compared: cal." in later
    gone = section(record, {"ann": {"status": "graded"}})
    assert "compared, but no longer in results.json: ben." in gone
