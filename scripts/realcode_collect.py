r"""Add a student's files to the real-code corpus (tests/realcode), verbatim, with provenance.

Usage::

    python scripts/realcode_collect.py add OWNER/REPO GITDIR LAYERS_PATH \\
        [--fc-net PATH] [--layer-utils PATH] [--commit SHA]
    python scripts/realcode_collect.py restore CLONES [--layout "{name}"]
    python scripts/realcode_collect.py verify

``add`` reads the files from a local clone of the repository (``GITDIR``, a work tree or a bare
git directory) at ``--commit`` (default HEAD) with ``git show``, so their bytes are the
repository's; it writes them to ``tests/realcode/files/<owner>__<repo>/`` as ``layers.py``,
``fc_net.py`` and ``layer_utils.py`` and records, in ``tests/realcode/manifest.json``, each
file's path, commit, URL and SHA-256, and the licence the repository states at its root (or
null). Verdicts already in the manifest are kept. ``restore`` writes every file the manifest lists
from local clones (``CLONES/<owner>__<repo>``, or another ``--layout`` with ``{name}``,
``{owner}``, ``{repo}``) at the recorded commit, and checks its SHA-256. ``verify`` checks that
every file the manifest lists is present with the recorded SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "realcode"
MANIFEST = CORPUS / "manifest.json"
KINDS = ("layers", "fc_net", "layer_utils")
LICENCE_FILES = re.compile(r"^(LICEN[CS]E|COPYING)(\.(md|txt|rst))?$", re.IGNORECASE)
LICENCES = (
    ("MIT License", "MIT"),
    ("Permission is hereby granted, free of charge", "MIT"),
    ("Apache License", "Apache-2.0"),
    ("GNU GENERAL PUBLIC LICENSE\n *Version 3", "GPL-3.0"),
    ("GNU GENERAL PUBLIC LICENSE\n *Version 2", "GPL-2.0"),
    ("GNU AFFERO GENERAL PUBLIC LICENSE", "AGPL-3.0"),
    ("Mozilla Public License", "MPL-2.0"),
    ("This is free and unencumbered software", "Unlicense"),
    ("Redistribution and use in source and binary forms", "BSD"),
    ("Creative Commons", "CC"),
)


def git(gitdir: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(gitdir), *args], check=True, capture_output=True
    ).stdout


def git_dir(path: Path) -> Path:
    return path / ".git" if (path / ".git").is_dir() else path


def licence(gitdir: Path, commit: str) -> dict | None:
    """The licence file at the repository's root and what it is, or None when there is none."""
    names = git(gitdir, "ls-tree", "--name-only", commit).decode().splitlines()
    for name in names:
        if LICENCE_FILES.match(name):
            text = git(gitdir, "show", f"{commit}:{name}").decode("utf-8", "replace")
            spdx = next((s for key, s in LICENCES if re.search(key, text, re.IGNORECASE)), None)
            return {"file": name, "id": spdx or "unrecognised (read the file)"}
    return None


def starter(text: str) -> str:
    """Which CS231n starter the file grew from, from features the starters differ in."""
    if "def layernorm_forward" not in text:
        return "2016-2017 starter (no layer norm)"
    if "*****START OF YOUR CODE" in text:
        return "2019+ starter (START OF YOUR CODE markers)"
    return "2018+ starter (layer norm)"


def load() -> dict:
    if MANIFEST.exists():
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    return {"entries": []}


def save(manifest: dict) -> None:
    manifest["entries"].sort(key=lambda e: e["name"].lower())
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def add(args) -> None:
    gitdir = git_dir(Path(args.gitdir))
    commit = git(gitdir, "rev-parse", f"{args.commit}^{{commit}}").decode().strip()
    owner, repo = args.repo.split("/")
    name = f"{owner}__{repo}"
    target = CORPUS / "files" / name
    target.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind, path in (
        ("layers", args.layers),
        ("fc_net", args.fc_net),
        ("layer_utils", args.layer_utils),
    ):
        if path is None:
            continue
        data = git(gitdir, "show", f"{commit}:{path}")
        (target / f"{kind}.py").write_bytes(data)
        files[kind] = {
            "path": path,
            "commit": commit,
            "url": f"https://github.com/{owner}/{repo}/blob/{commit}/{path}",
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    manifest = load()
    old = next((e for e in manifest["entries"] if e["name"] == name), None)
    entry = {
        "name": name,
        "repo": args.repo,
        "files": files,
        "license": licence(gitdir, commit),
        "starter": starter((target / "layers.py").read_text(encoding="utf-8")),
        "verdicts": old["verdicts"] if old else {},
    }
    manifest["entries"] = [e for e in manifest["entries"] if e["name"] != name] + [entry]
    save(manifest)
    print(f"{name}: {', '.join(files)} at {commit[:12]}")


def restore(args) -> int:
    bad = 0
    for entry in load()["entries"]:
        owner, repo = entry["repo"].split("/")
        clone = Path(args.clones) / args.layout.format(name=entry["name"], owner=owner, repo=repo)
        target = CORPUS / "files" / entry["name"]
        target.mkdir(parents=True, exist_ok=True)
        for kind, meta in entry["files"].items():
            try:
                data = git(git_dir(clone), "show", f"{meta['commit']}:{meta['path']}")
            except (subprocess.CalledProcessError, FileNotFoundError):
                print(f"not in {clone}: {meta['commit'][:12]}:{meta['path']} ({meta['url']})")
                bad += 1
                continue
            if hashlib.sha256(data).hexdigest() != meta["sha256"]:
                print(f"SHA-256 differs, not written: {entry['name']}/{kind}.py")
                bad += 1
                continue
            (target / f"{kind}.py").write_bytes(data)
    print("all files restored" if not bad else f"{bad} file(s) not restored")
    return 1 if bad else 0


def verify(_args) -> int:
    bad = 0
    for entry in load()["entries"]:
        for kind, meta in entry["files"].items():
            path = CORPUS / "files" / entry["name"] / f"{kind}.py"
            if not path.exists():
                print(f"missing: {path} ({meta['url']})")
                bad += 1
            elif hashlib.sha256(path.read_bytes()).hexdigest() != meta["sha256"]:
                print(f"changed: {path}")
                bad += 1
    print("all files present and unchanged" if not bad else f"{bad} problem(s)")
    return 1 if bad else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add", help="copy a repository's files into the corpus")
    p.add_argument("repo", help="OWNER/REPO as on GitHub")
    p.add_argument("gitdir", help="a local clone (work tree or git directory)")
    p.add_argument("layers", help="path of layers.py in the repository")
    p.add_argument("--fc-net", help="path of fc_net.py")
    p.add_argument("--layer-utils", help="path of layer_utils.py")
    p.add_argument("--commit", default="HEAD")
    p = sub.add_parser("restore", help="write the manifest's files from local clones")
    p.add_argument("clones", help="a folder of clones")
    p.add_argument("--layout", default="{name}", help="a clone's folder under CLONES")
    sub.add_parser("verify", help="check the files against the manifest")
    args = parser.parse_args(argv)
    if args.command == "add":
        add(args)
        return 0
    if args.command == "restore":
        return restore(args)
    return verify(args)


if __name__ == "__main__":
    sys.exit(main())
