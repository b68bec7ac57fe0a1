"""The static scan, node kind by node kind: what it flags in a cell, and what it lets be."""

from __future__ import annotations

import pytest

from autograder.sandboxed import scan

FLAGGED = {
    "np.allclose = lambda *a, **k: True": "patches numpy (np.allclose)",
    "builtins.len += 1": "patches builtins (builtins.len)",
    "del sys.modules['x']": "patches the interpreter (sys) (sys.modules['x'])",
    "get_ipython().set_custom_exc((Exception,), f)":
        "tampers with IPython's exception handling (set_custom_exc)",
    "shell.showtraceback = None": "tampers with IPython's exception handling (showtraceback)",
    "setattr(np, 'isclose', f)": "patches numpy (setattr)",
    "os.system('ls')": "runs programs (os.system)",
    "os.listdir('.')": "lists files (listdir): looking for the grader's files?",
    "open('/etc/passwd')": "reads files outside its folder (/etc/passwd)",
    "np.load('../inputs.npz')": "reads files outside its folder (../inputs.npz)",
    "Path('autograder/x').read_text()": None,  # the call's argument is not a literal path
    "import socket": "uses the network (socket)",
    "from subprocess import run": "runs programs (subprocess)",
    "import ctypes": "reads raw memory (ctypes)",
    "import builtins": "imports builtins (to patch them?)",
    "f = sys._getframe(1)": "inspects the grader's memory or frames (_getframe)",
    "inspect.stack()": "inspects the grader's memory or frames (stack)",
    "class A(np.ndarray): pass": "returns objects that are ndarray subclasses (A)",
    "class B:\n    def __eq__(self, other):\n        return True":
        "returns objects that compare equal to anything (B.__eq__)",
}  # fmt: skip


@pytest.mark.parametrize(("source", "flag"), FLAGGED.items())
def test_each_kind_of_attempt_is_flagged_in_words(source, flag):
    assert scan.scan(source) == ({flag} if flag else set())


@pytest.mark.parametrize(
    "source",
    [
        "x = np.mean(a, axis=0)",
        "cache['x'] = x",
        "class B:\n    def __eq__(self, other):\n        return self.v == other.v",
        "open('data.txt')",
        "import numpy as np",
        "stack = inspect_stack()",
    ],
)
def test_a_solutions_code_is_not_flagged(source):
    assert scan.scan(source) == set()


def test_a_syntax_error_is_not_a_flag():
    """(A parser bomb is the hostile corpus's: parsing one here could leave this process's
    parser corrupt, python/cpython#106905.)"""
    assert scan.scan("def f(:") == set()


def test_one_cell_gets_each_flag_it_earns():
    source = "import socket\nos.system('ls')\nnp.sum = sum\n"
    assert scan.scan(source) == {
        "uses the network (socket)",
        "runs programs (os.system)",
        "patches numpy (np.sum)",
    }
