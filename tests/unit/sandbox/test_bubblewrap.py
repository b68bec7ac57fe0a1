"""bubblewrap's command line, read without running it: the namespaces for root and for an
unprivileged user, the environment, and the mounts in an order that hides nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.sandbox import Limits, bubblewrap

WORK, CODE = Path("/tmp/grade-x/work"), Path("/srv/grade-x/code")


def arguments(as_root: bool) -> list[str]:
    return bubblewrap.arguments(WORK, [CODE], Limits(), {"HOME": str(WORK)}, as_root)


def ops(args: list[str]) -> list[tuple[str, str]]:
    """(operation, target) of each mount, in order."""
    found = []
    for i, arg in enumerate(args):
        if arg in ("--ro-bind", "--bind", "--ro-bind-try", "--symlink"):
            found.append((arg, args[i + 2]))
        elif arg in ("--dev", "--proc", "--tmpfs", "--dir"):
            found.append((arg, args[i + 1]))
    return found


def test_root_keeps_only_the_capabilities_to_drop_to_the_sandbox_uid():
    args = arguments(as_root=True)
    assert "--unshare-all" not in args and "--unshare-net" in args and "--unshare-pid" in args
    caps = [args[i + 1] for i, a in enumerate(args) if a == "--cap-add"]
    assert caps == ["CAP_SETUID", "CAP_SETGID"] and args[args.index("--cap-drop") + 1] == "ALL"


def test_a_user_unshares_everything():
    args = arguments(as_root=False)
    assert "--unshare-all" in args and "--cap-add" not in args


@pytest.mark.parametrize("as_root", [True, False])
def test_the_environment_is_only_what_is_given(as_root):
    args = arguments(as_root)
    assert "--clearenv" in args
    assert [args[i + 1 : i + 3] for i, a in enumerate(args) if a == "--setenv"] == [
        ["HOME", str(WORK)]
    ]
    assert args[-3:] == ["--chdir", "/", "--"]


def test_parents_are_mounted_first_so_the_work_folder_is_not_hidden_by_tmp():
    mounted = ops(arguments(as_root=True))
    targets = [target for _, target in mounted]
    assert targets.index("/tmp") < targets.index(str(WORK))
    assert ("--bind", str(WORK)) in mounted and ("--ro-bind", str(CODE)) in mounted
    depths = [len(Path(t).parts) for t in targets]
    assert depths == sorted(depths)


def test_missing_parents_of_mount_points_are_made_traversable():
    args = arguments(as_root=True)
    made = [args[i + 1] for i, a in enumerate(args) if a == "--dir"]
    assert {"/srv", "/srv/grade-x", "/tmp/grade-x"} <= set(made)
    for folder in made:
        at = args.index(folder)
        assert args[at - 3 : at - 1] == ["--perms", "0755"]
