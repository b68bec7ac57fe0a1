"""Dataset helpers for the batch normalization assignment.

MNIST-1D is generated offline (no network needed) and cached; CIFAR-10 is used
when it has been fetched with ``python -m cs231n.datasets cifar10``.
"""

import hashlib
import os
import pickle
import random
import shutil
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_DIRNAME = "cifar-10-batches-py"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
_CIFAR10_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
_MARKER = ".md5-verified"
_HINT = (
    "The notebook falls back to MNIST-1D, which needs no download. To retry, run "
    "`python -m cs231n.datasets cifar10` (a partial download is resumed)."
)


class DatasetError(RuntimeError):
    """A dataset could not be fetched, verified or loaded (message says what to do)."""


def data_dir():
    """Return the folder where datasets are stored.

    ``$BATCHNORM_DATA_DIR`` if set; else the first ``data/`` folder containing a
    ``README.md`` found walking up from this file; else ``data/`` next to the notebook.
    """
    if os.environ.get("BATCHNORM_DATA_DIR"):
        return Path(os.environ["BATCHNORM_DATA_DIR"])
    here = Path(__file__).resolve().parent
    for folder in [here, *here.parents]:
        if (folder / "data" / "README.md").is_file():
            return folder / "data"
    return here.parent / "data"


_XKEYS = ("X_train", "X_val", "X_test")


def _splits(name, train, val, test, subtract_mean=True):
    """Pack ``(X, y)`` pairs as float64 / int64 and subtract the mean training sample."""
    out = {"name": name}
    for split, (X, y) in zip(("train", "val", "test"), (train, val, test), strict=True):
        out[f"X_{split}"] = np.array(X, dtype=np.float64)  # a copy: safe to change in place
        out[f"y_{split}"] = np.asarray(y, dtype=np.int64)
    if subtract_mean:
        mean = out["X_train"].mean(axis=0)
        for key in _XKEYS:
            out[key] -= mean  # in place: CIFAR-10's X_train alone is 1.2 GB
    return out


def load_mnist1d(cache_dir=None):
    """Generate (or load from cache) MNIST-1D with CS231n-style splits.

    MNIST-1D's 4000 training samples are split into the first 3000 (train) and the
    last 1000 (val); test is its 1000-sample test split. No network access is needed.

    Parameters
    ----------
    cache_dir : path-like, optional
        Folder holding the ``mnist1d.npz`` cache (default: :func:`data_dir`).

    Returns
    -------
    dict
        ``X_train`` (3000, 40), ``X_val`` (1000, 40), ``X_test`` (1000, 40) float64,
        mean-subtracted with the mean training sample; ``y_*`` int64 labels in 0..9
        of shapes (3000,), (1000,), (1000,); ``name`` = ``"MNIST-1D"``.
    """
    path = Path(cache_dir or data_dir()) / "mnist1d.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y, x_test, y_test = (f[k] for k in ("x", "y", "x_test", "y_test"))
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):  # missing or corrupt
        from mnist1d.data import get_dataset_args, make_dataset

        # make_dataset reseeds the global numpy AND stdlib rngs: keep the caller's state.
        np_state, py_state = np.random.get_state(), random.getstate()
        try:
            d = make_dataset(get_dataset_args())
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
        x, y, x_test, y_test = d["x"], d["y"], d["x_test"], d["y_test"]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, x=x, y=y, x_test=x_test, y_test=y_test)
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written cache
    return _splits("MNIST-1D", (x[:3000], y[:3000]), (x[3000:], y[3000:]), (x_test, y_test))


def _md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(url, part, retries, timeout, backoff):
    """Download ``url`` into ``part``, resuming with an HTTP Range request if it exists."""
    # Imported here, not at the top: the notebook's setup cell imports this module, and
    # urllib's and http's imports (ssl, email) would double the time it takes.
    import http.client
    import urllib.error
    import urllib.request

    err = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        have = part.stat().st_size if part.exists() else 0
        req = urllib.request.Request(url, headers={"User-Agent": "cs231n-datasets"})
        if have:
            req.add_header("Range", f"bytes={have}-")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                resume = have and resp.status == 206  # a 200 means "whole file": restart
                content_range = resp.headers.get("Content-Range", "")
                if resume and not content_range.startswith(f"bytes {have}-"):
                    part.unlink()  # the server sent some other range: start over
                    raise OSError(f"unexpected Content-Range {content_range!r}")
                size, got = int(resp.headers.get("Content-Length", -1)), 0
                with open(part, "ab" if resume else "wb") as f:
                    while block := resp.read(1 << 20):
                        got += f.write(block)
                if got < size:  # urllib does not raise on a connection dropped mid-body
                    raise http.client.IncompleteRead(b"", size - got)
            return
        except urllib.error.HTTPError as e:
            if e.code == 416 and have:
                return  # nothing left to fetch; the checksum decides whether the file is good
            if e.code < 500 and e.code not in (408, 429):
                raise DatasetError(f"Download of {url} failed: HTTP {e.code}. {_HINT}") from e
            err = e
        except (OSError, http.client.HTTPException) as e:  # URLError is an OSError
            err = e
    if isinstance(err, urllib.error.HTTPError):
        why = f"the server kept answering HTTP {err.code} {err.reason}"
    else:
        why = f"this machine seems offline or the host is unreachable ({err})"
    raise DatasetError(
        f"Could not download CIFAR-10 from {url} after {retries + 1} attempts: {why}. {_HINT}"
    ) from err


def _extract(archive, dest):
    """Extract ``cifar-10-batches-py/`` from ``archive`` into ``dest``, refusing unsafe paths."""
    import tarfile
    import tempfile

    tmp = Path(tempfile.mkdtemp(dir=dest, prefix=".extract-"))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for m in members:
                p = Path(m.name)
                if p.is_absolute() or ".." in p.parts or not (m.isfile() or m.isdir()):
                    raise DatasetError(f"Refusing unsafe member {m.name!r} in {archive}")
            tar.extractall(tmp, members=members, filter="data")
        if not all((tmp / CIFAR10_DIRNAME / name).is_file() for name in _CIFAR10_FILES):
            raise DatasetError(f"{archive} does not contain the CIFAR-10 python batches")
        shutil.rmtree(dest / CIFAR10_DIRNAME, ignore_errors=True)
        os.replace(tmp / CIFAR10_DIRNAME, dest / CIFAR10_DIRNAME)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch_cifar10(dest=None, url=CIFAR10_URL, md5=CIFAR10_MD5, retries=3, timeout=30, backoff=1.0):
    """Download, verify (MD5) and extract CIFAR-10; return ``<dest>/cifar-10-batches-py``.

    Parameters
    ----------
    dest : path-like, optional
        Folder for the archive and the extracted batches (default: :func:`data_dir`).
    url, md5 : str
        Where to download the archive from and its expected MD5 hex digest.
    retries : int
        Extra attempts after the first one on network errors or HTTP 5xx; an
        interrupted download resumes where it stopped (``.part`` file + Range header).
    timeout, backoff : float
        Socket timeout in seconds; sleep ``backoff * 2**k`` seconds before retry ``k + 1``.

    Raises
    ------
    DatasetError
        If the host cannot be reached or the checksum does not match.
    """
    dest = Path(dest or data_dir())
    out = dest / CIFAR10_DIRNAME
    marker = out / _MARKER
    if marker.is_file() and marker.read_text().strip() == md5 and cifar10_available(out):
        return out
    dest.mkdir(parents=True, exist_ok=True)
    archive, part = dest / CIFAR10_ARCHIVE, dest / (CIFAR10_ARCHIVE + ".part")
    if not (archive.is_file() and _md5(archive) == md5):
        archive.unlink(missing_ok=True)
        _download(url, part, retries, timeout, backoff)
        got = _md5(part)
        if got != md5:
            part.unlink()
            raise DatasetError(
                f"Checksum mismatch for {url}: expected md5 {md5}, got {got}. The corrupt "
                "download was deleted; retry with `python -m cs231n.datasets cifar10`."
            )
        os.replace(part, archive)
    _extract(archive, dest)
    marker.write_text(md5 + "\n")
    return out


def _cifar_dir(root):
    root = Path(root or data_dir())
    return root if (root / "test_batch").is_file() else root / CIFAR10_DIRNAME


def cifar10_available(root=None):
    """True if the CIFAR-10 python batches are present in ``root`` (default: data dir)."""
    return all((_cifar_dir(root) / name).is_file() for name in _CIFAR10_FILES)


def _read_batch(path):
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")  # official format; archive is md5-verified
    return np.asarray(d[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32), d[b"labels"]


def load_cifar10(
    root=None, num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True
):
    """Load CIFAR-10 with CS231n's splits, flattened for a fully connected net.

    Train is the first ``num_training`` of the 50000 training images, val the next
    ``num_validation``, test the first ``num_test`` of ``test_batch``.

    Returns
    -------
    dict
        ``X_train`` (num_training, 3072), ``X_val`` (num_validation, 3072) and
        ``X_test`` (num_test, 3072) float64 rows in the original channel-major order
        (index ``c*1024 + row*32 + col``), mean-subtracted if ``subtract_mean``;
        ``y_*`` int64 labels in 0..9; ``name`` = ``"CIFAR-10"``.
    """
    folder = _cifar_dir(root)
    if not cifar10_available(folder):
        raise DatasetError(
            f"CIFAR-10 not found in {folder}; run `python -m cs231n.datasets cifar10`"
        )
    batches = [_read_batch(folder / name) for name in _CIFAR10_FILES[:5]]
    X = np.concatenate([b[0] for b in batches]).reshape(-1, 3072)
    y = np.concatenate([b[1] for b in batches])
    X_test, y_test = _read_batch(folder / "test_batch")
    if num_training + num_validation > len(X) or num_test > len(X_test):
        raise DatasetError(
            f"{folder} holds {len(X)} training and {len(X_test)} test images, fewer than the "
            f"requested {num_training} + {num_validation} train/val and {num_test} test; "
            "pass smaller num_training / num_validation / num_test."
        )
    n, m = num_training, num_training + num_validation
    test = X_test[:num_test].reshape(-1, 3072), y_test[:num_test]
    return _splits("CIFAR-10", (X[:n], y[:n]), (X[n:m], y[n:m]), test, subtract_mean)


def load_dataset(prefer="auto", num_training=49000, num_validation=1000, num_test=1000):
    """Load the assignment's dataset and print one line saying which one.

    Parameters
    ----------
    prefer : {"auto", "cifar10", "mnist1d"}
        "auto" uses CIFAR-10 if it has been fetched into :func:`data_dir`, else MNIST-1D.
    num_training, num_validation, num_test : int
        CIFAR-10 split sizes (MNIST-1D always has 3000 / 1000 / 1000).

    Returns
    -------
    dict
        As :func:`load_cifar10` (rows of 3072) or :func:`load_mnist1d` (rows of 40).
    """
    if prefer not in ("auto", "cifar10", "mnist1d"):
        raise ValueError(f"prefer must be 'auto', 'cifar10' or 'mnist1d', not {prefer!r}")
    if prefer == "cifar10" or (prefer == "auto" and cifar10_available()):
        data = load_cifar10(None, num_training, num_validation, num_test)
        source = f"from {_cifar_dir(None)}"
    else:
        data = load_mnist1d()
        source = f"generated offline, cached at {data_dir() / 'mnist1d.npz'}"
    shapes = ", ".join(f"{k} {data[k].shape}" for k in _XKEYS)
    print(f"Dataset: {data['name']} ({source}): {shapes}")
    return data


def main(argv=None):
    """Command line: ``python -m cs231n.datasets {cifar10,mnist1d}``; returns the exit code."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m cs231n.datasets", description="Fetch or generate the assignment's datasets."
    )
    sub = parser.add_subparsers(dest="dataset", required=True)
    cifar = sub.add_parser("cifar10", help="download, verify and extract CIFAR-10")
    cifar.add_argument("--dest", type=Path, default=None, help="target folder (default: data dir)")
    cifar.add_argument("--url", default=CIFAR10_URL, help="archive URL (e.g. a mirror)")
    sub.add_parser("mnist1d", help="generate and cache MNIST-1D (offline)")
    args = parser.parse_args(argv)
    try:
        if args.dataset == "cifar10":
            print(f"CIFAR-10 ready in {fetch_cifar10(args.dest, url=args.url)}")
        else:
            load_dataset("mnist1d")
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
