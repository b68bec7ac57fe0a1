"""Make a Python environment a student's: nbgrader's instructor tools switched off in JupyterLab.

    python scripts/student_env.py           # the whole environment (sys.prefix): a student image
    python scripts/student_env.py --user    # only this user's Jupyter configuration

Run it with the environment's own Python after installing the students' lock
(``environment.yml`` or ``requirements/students.txt``). It disables and locks nbgrader's
Formgrader, Create Assignment and Course List plugins with JupyterLab's own commands
(``jupyter labextension disable`` and ``lock``: since JupyterLab 4.1 a plugin that is only
disabled can be enabled again from the Plugin Manager), and turns their server extensions off
(``ServerApp.jpserver_extensions``). Students keep the Assignments tab (fetch, submit, fetch
feedback) and the Validate button. The instructor's environment (``make``'s ``.venv``) is left
as it is: it keeps every tool.

With ``--user`` it also marks locked (read-only) cells visibly: a stripe and the word "locked"
(``custom/custom.css`` with ``LabApp.custom_css``), and where no nbgrader exchange can be
reached the Assignment List says once what to do (nbgrader repeats its error in each of its
three lists). JupyterLab reads custom CSS from the user's own configuration only, so an image
for many students runs ``--user`` once per account too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
"""nbgrader 0.9's JupyterLab plugins that only instructors use (ids from its lab extension)."""

INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)
"""The server extensions behind them."""


STUDENT_CSS = """\
/* batchnorm-kit: locked (read-only) cells say so. JupyterLab marks their editor jp-mod-readOnly. */
.jp-Notebook .jp-CodeCell .cm-editor.jp-mod-readOnly {
  border-left: 3px solid var(--jp-warn-color1, #f57c00);
  background-image: repeating-linear-gradient(
    135deg, transparent 0 12px, rgba(128, 128, 128, 0.07) 12px 24px);
}
.jp-Notebook .jp-CodeCell .cm-editor.jp-mod-readOnly::after {
  content: "locked";
  position: absolute;
  bottom: 2px;
  right: 8px;
  font-size: var(--jp-ui-font-size0, 10px);
  color: var(--jp-warn-color1, #f57c00);
  pointer-events: none;
}
/* batchnorm-kit: when the Assignment List cannot reach an exchange, nbgrader shows its error in
   each of its three lists; say once what to do instead. */
#fetched_assignments_list_error, #submitted_assignments_list_error { display: none !important; }
#released_assignments_list_error { font-size: 0; }
#released_assignments_list_error::before {
  content: "The Assignment List cannot reach an nbgrader exchange on this machine: none is "
    "set up, or it cannot be read. If your course hands out assignments here, ask your TA. "
    "Otherwise open the assignment's notebook from its folder in the File Browser, press "
    "Validate before you submit, and hand the notebook in as your course says.";
  font-size: var(--jp-ui-font-size1, 13px);
  font-weight: normal;
  white-space: normal;
}
/* batchnorm-kit: end */
"""
"""Appended to the user's ``custom.css`` (anything already there is kept)."""


def config_dir(user: bool) -> Path:
    """The Jupyter configuration folder changed: the user's, or the environment's."""
    from jupyter_core.paths import ENV_CONFIG_PATH, jupyter_config_dir

    return Path(jupyter_config_dir() if user else ENV_CONFIG_PATH[0])


def make_student(user: bool) -> None:
    """Switch the instructor tools off (``user``: for this user only)."""
    from jupyter_server.config_manager import BaseJSONConfigManager

    level = "--level=user" if user else "--level=sys_prefix"
    for action in ("disable", "lock"):
        subprocess.run(
            [sys.executable, "-m", "jupyter", "labextension", action, level, *INSTRUCTOR_PLUGINS],
            check=True,
            capture_output=True,
        )
    # Configuration files outrank the jupyter_server_config.d/ snippets that enable them.
    server = {
        "ServerApp": {"jpserver_extensions": dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS, False)}
    }
    if user:
        server["LabApp"] = {"custom_css": True}
        add_locked_cell_css(config_dir(user) / "custom" / "custom.css")
    BaseJSONConfigManager(config_dir=str(config_dir(user))).update("jupyter_server_config", server)


def add_locked_cell_css(path: Path) -> None:
    """Add the locked-cell style to ``path`` once, keeping what the file already holds."""
    old = path.read_text() if path.exists() else ""
    if STUDENT_CSS.splitlines()[0] in old:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(old + ("\n" if old and not old.endswith("\n") else "") + STUDENT_CSS)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--user",
        action="store_true",
        help="change this user's Jupyter configuration (JUPYTER_CONFIG_DIR), not the environment's",
    )
    args = parser.parse_args(argv)
    try:
        make_student(args.user)
    except subprocess.CalledProcessError as exc:
        print(f"failed: {' '.join(exc.cmd[1:])}\n{exc.stdout}{exc.stderr}", file=sys.stderr)
        return 1
    print(
        f"in {config_dir(args.user)}: disabled and locked {', '.join(INSTRUCTOR_PLUGINS)}; "
        f"server extensions off: {', '.join(INSTRUCTOR_SERVER_EXTENSIONS)}"
        + ("; locked cells styled (custom/custom.css)" if args.user else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
