"""Real students' code: the corpus's provenance and verdicts are complete (the students' files
themselves are not in the repository; ``make realcode`` runs ``corpus_check.py`` on them)."""

from __future__ import annotations

import re

from realcode import ENTRIES, FUNCTION_TASKS, FUNCTIONS

NAMES = [e["name"] for e in ENTRIES]


def test_manifest():
    assert len(ENTRIES) >= 25
    assert len(set(NAMES)) == len(NAMES)
    assert len({e["repo"].lower() for e in ENTRIES}) == len(ENTRIES)
    for e in ENTRIES:
        assert e["name"] == e["repo"].replace("/", "__")
        assert "layers" in e["files"]
        for meta in e["files"].values():
            assert re.fullmatch(r"[0-9a-f]{40}", meta["commit"])
            assert re.fullmatch(r"[0-9a-f]{64}", meta["sha256"])
            assert meta["url"] == (
                f"https://github.com/{e['repo']}/blob/{meta['commit']}/{meta['path']}"
            )
        assert set(e["verdicts"]) == set(FUNCTIONS)
        assert e["verdicts"]["batchnorm_forward"]["verdict"] != "absent"
        for function, v in e["verdicts"].items():
            assert v["verdict"] in ("right", "wrong", "arguable", "absent")
            if v["verdict"] in ("wrong", "arguable"):
                assert v["what"] and v["kinds"], (e["name"], function)
                assert set(v.get("tasks", [])) <= set(FUNCTION_TASKS[function])
