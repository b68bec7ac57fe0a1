"""Tests for solutions/batchnorm/cs231n/datasets.py (real code paths, local HTTP server)."""

import hashlib
import importlib.util
import io
import pickle
import random
import shutil
import socket
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

MODULE = Path(__file__).resolve().parents[1] / "solutions" / "batchnorm" / "cs231n" / "datasets.py"
PER_BATCH = 20  # images per batch in the fake archive: 100 train, 20 test
SMALL = {"num_training": 80, "num_validation": 20, "num_test": 10}
MARKED = (2, 3, 4)  # (channel, row, col) of a pixel set to 255 in training image 0


def _import(path, name="cs231n_datasets"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ds():
    return _import(MODULE)


# --------------------------------------------------------------------------- fake CIFAR-10


def _image(g):
    """Image ``g`` as a (3, 32, 32) uint8 array: channel c is filled with c * 60 + g."""
    img = np.empty((3, 32, 32), dtype=np.uint8)
    for c in range(3):
        img[c] = c * 60 + g
    if g == 0:
        img[MARKED] = 255
    return img


def _tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def _batch(first, labels):
    data = np.stack([_image(first + j).reshape(-1) for j in range(PER_BATCH)])
    return pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"fake"})


@pytest.fixture(scope="module")
def archive():
    """A small CIFAR-10 archive in the official python format: (bytes, md5)."""
    top = "cifar-10-batches-py/"
    files = {top + "batches.meta": pickle.dumps({b"label_names": [b"c%d" % i for i in range(10)]})}
    for b in range(5):
        first = b * PER_BATCH
        files[top + f"data_batch_{b + 1}"] = _batch(
            first, [(first + j) % 10 for j in range(PER_BATCH)]
        )
    files[top + "test_batch"] = _batch(100, [(3 * j) % 10 for j in range(PER_BATCH)])
    payload = _tar(files)
    return payload, hashlib.md5(payload).hexdigest()


class _Server:
    """Serves ``payload`` at any path; records the Range header of every request."""

    def __init__(self, payload, ranges=True, fail_first=None):
        self.payload, self.ranges, self.fail_first, self.requests = payload, ranges, fail_first, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                header = self.headers.get("Range")
                server.requests.append(header)
                first = len(server.requests) == 1
                if first and server.fail_first == "503":
                    self.send_error(503)
                    return
                start, size = 0, len(server.payload)
                if header and server.ranges:
                    start = int(header.removeprefix("bytes=").rstrip("-"))
                    if start >= size:
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                else:
                    self.send_response(200)
                body = server.payload[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if first and server.fail_first == "truncate":
                    body = body[: len(body) // 2]  # promise everything, drop the connection
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cifar-10-python.tar.gz"


@pytest.fixture
def serve():
    servers = []

    def start(payload, **kwargs):
        servers.append(_Server(payload, **kwargs))
        return servers[-1]

    yield start
    for s in servers:
        s.httpd.shutdown()
        s.httpd.server_close()


def _fetch(ds, dest, url, md5, **kwargs):
    return ds.fetch_cifar10(
        dest, url=url, md5=md5, retries=kwargs.pop("retries", 2), backoff=0, **kwargs
    )


# --------------------------------------------------------------------------- MNIST-1D


@pytest.fixture(scope="module")
def mnist1d(ds, tmp_path_factory):
    """Generate MNIST-1D once into a fresh data dir; record the global rng states around it."""
    folder = tmp_path_factory.mktemp("mnist1d")
    np.random.seed(1234)
    random.seed(1234)
    before = np.random.get_state(), random.getstate()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BATCHNORM_DATA_DIR", str(folder))
        data = ds.load_mnist1d()
    return folder, data, before, (np.random.get_state(), random.getstate())


def test_mnist1d_shapes_dtypes_and_mean(mnist1d):
    folder, data, _, _ = mnist1d
    assert (folder / "mnist1d.npz").is_file()
    assert data["name"] == "MNIST-1D"
    assert set(data) == {"X_train", "y_train", "X_val", "y_val", "X_test", "y_test", "name"}
    for split, n in (("train", 3000), ("val", 1000), ("test", 1000)):
        X, y = data[f"X_{split}"], data[f"y_{split}"]
        assert X.shape == (n, 40) and X.dtype == np.float64
        assert y.shape == (n,) and y.dtype == np.int64
        assert set(np.unique(y)) == set(range(10))
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-12)


def test_mnist1d_leaves_global_rng_untouched(mnist1d):
    _, _, (np_before, py_before), (np_after, py_after) = mnist1d
    assert np_before[0] == np_after[0] and np_before[2:] == np_after[2:]
    np.testing.assert_array_equal(np_before[1], np_after[1])
    assert py_before == py_after


def test_mnist1d_second_load_from_cache_is_identical(ds, mnist1d, tmp_path, monkeypatch):
    folder, first, _, _ = mnist1d
    shutil.copy(folder / "mnist1d.npz", tmp_path / "mnist1d.npz")
    monkeypatch.setenv("BATCHNORM_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)  # regenerating would fail
    second = ds.load_mnist1d()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


@pytest.mark.parametrize("junk", [b"", b"PK\x03\x04 truncated zip"])
def test_mnist1d_corrupt_cache_is_regenerated(ds, tmp_path, monkeypatch, junk):
    (tmp_path / "mnist1d.npz").write_bytes(junk)
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)  # proves that it tries to regenerate
    with pytest.raises(ImportError):
        ds.load_mnist1d(cache_dir=tmp_path)


def test_data_dir_env_then_readme_then_notebook_folder(tmp_path, monkeypatch):
    copy = tmp_path / "course" / "release" / "cs231n" / "datasets.py"
    copy.parent.mkdir(parents=True)
    shutil.copy(MODULE, copy)
    monkeypatch.delenv("BATCHNORM_DATA_DIR", raising=False)
    assert _import(copy, "cs231n_datasets_copy").data_dir() == tmp_path / "course/release/data"
    (tmp_path / "course/data").mkdir()
    (tmp_path / "course/data/README.md").write_text("data\n")
    assert _import(copy, "cs231n_datasets_copy").data_dir() == tmp_path / "course/data"
    monkeypatch.setenv("BATCHNORM_DATA_DIR", str(tmp_path / "elsewhere"))
    assert _import(copy, "cs231n_datasets_copy").data_dir() == tmp_path / "elsewhere"


# --------------------------------------------------------------------------- CIFAR-10


def test_fetch_and_load_cifar10(ds, archive, serve, tmp_path):
    payload, md5 = archive
    server = serve(payload)
    out = _fetch(ds, tmp_path, server.url, md5)
    assert out == tmp_path / "cifar-10-batches-py" and ds.cifar10_available(tmp_path)
    assert (tmp_path / "cifar-10-python.tar.gz").read_bytes() == payload
    assert not (tmp_path / "cifar-10-python.tar.gz.part").exists()
    assert server.requests == [None]
    assert _fetch(ds, tmp_path, "http://127.0.0.1:9/unused", md5) == out  # verified: no download

    raw = ds.load_cifar10(tmp_path, subtract_mean=False, **SMALL)
    data = ds.load_cifar10(tmp_path, **SMALL)
    assert data["name"] == "CIFAR-10"
    for split, n in (("train", 80), ("val", 20), ("test", 10)):
        assert data[f"X_{split}"].shape == (n, 3072) and data[f"X_{split}"].dtype == np.float64
        assert data[f"y_{split}"].shape == (n,) and data[f"y_{split}"].dtype == np.int64
    assert data["y_train"].tolist() == [g % 10 for g in range(80)]
    assert data["y_val"].tolist() == [g % 10 for g in range(80, 100)]
    assert data["y_test"].tolist() == [(3 * j) % 10 for j in range(10)]
    # channel-major rows: index c*1024 + row*32 + col
    assert raw["X_train"][0].reshape(3, 32, 32)[MARKED] == 255
    assert raw["X_train"][0, 2 * 1024 + 3 * 32 + 4] == 255
    np.testing.assert_array_equal(raw["X_train"][7].reshape(3, 32, 32)[1], 60 + 7)
    np.testing.assert_array_equal(raw["X_val"][0].reshape(3, 32, 32)[2], 120 + 80)
    np.testing.assert_array_equal(raw["X_test"][5].reshape(3, 32, 32)[0], 105)
    # mean-subtracted with the mean training image
    mean = raw["X_train"].mean(axis=0)
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-9)
    for split in ("train", "val", "test"):
        np.testing.assert_allclose(data[f"X_{split}"], raw[f"X_{split}"] - mean)
    with pytest.raises(ds.DatasetError, match="pass smaller"):
        ds.load_cifar10(tmp_path)  # defaults ask for 49000 + 1000 images


def test_wrong_md5_is_refused_and_cleaned_up(ds, archive, serve, tmp_path):
    server = serve(archive[0])
    with pytest.raises(ds.DatasetError, match="expected md5 0{32}, got " + archive[1]):
        _fetch(ds, tmp_path, server.url, "0" * 32)
    assert list(tmp_path.iterdir()) == []
    assert not ds.cifar10_available(tmp_path)


def test_resume_partial_download_with_range(ds, archive, serve, tmp_path):
    payload, md5 = archive
    half = len(payload) // 2
    (tmp_path / "cifar-10-python.tar.gz.part").write_bytes(payload[:half])
    server = serve(payload)
    _fetch(ds, tmp_path, server.url, md5)
    assert server.requests == [f"bytes={half}-"]
    assert (tmp_path / "cifar-10-python.tar.gz").read_bytes() == payload
    assert ds.cifar10_available(tmp_path)


def test_server_ignoring_range_restarts_the_file(ds, archive, serve, tmp_path):
    payload, md5 = archive
    (tmp_path / "cifar-10-python.tar.gz.part").write_bytes(b"stale junk" * 100)
    server = serve(payload, ranges=False)
    _fetch(ds, tmp_path, server.url, md5)
    assert server.requests == ["bytes=1000-"]
    assert (tmp_path / "cifar-10-python.tar.gz").read_bytes() == payload


@pytest.mark.parametrize("failure", ["503", "truncate"])
def test_transient_failure_is_retried(ds, archive, serve, tmp_path, failure):
    payload, md5 = archive
    server = serve(payload, fail_first=failure)
    _fetch(ds, tmp_path, server.url, md5)
    assert len(server.requests) == 2 and server.requests[0] is None
    if failure == "truncate":  # the retry resumes after the bytes already received
        assert server.requests[1] == f"bytes={len(payload) // 2}-"
    assert ds.cifar10_available(tmp_path)


def test_unreachable_host_says_offline(ds, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused
    url = f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"
    with pytest.raises(ds.DatasetError) as info:
        _fetch(ds, tmp_path, url, "0" * 32, retries=2, timeout=2)
    msg = str(info.value)
    for part in ("offline", "unreachable", url, "MNIST-1D", "python -m cs231n.datasets cifar10"):
        assert part in msg
    assert not ds.cifar10_available(tmp_path)


def test_unsafe_archive_member_is_rejected(ds, serve, tmp_path):
    payload = _tar({"../evil.txt": b"x", "cifar-10-batches-py/test_batch": b"y"})
    dest = tmp_path / "dest"
    server = serve(payload)
    with pytest.raises(ds.DatasetError, match="unsafe member"):
        _fetch(ds, dest, server.url, hashlib.md5(payload).hexdigest())
    assert not (tmp_path / "evil.txt").exists() and not ds.cifar10_available(dest)


def test_load_dataset_auto_prefers_fetched_cifar10(
    ds, mnist1d, archive, serve, tmp_path, monkeypatch, capsys
):
    shutil.copy(mnist1d[0] / "mnist1d.npz", tmp_path / "mnist1d.npz")
    monkeypatch.setenv("BATCHNORM_DATA_DIR", str(tmp_path))
    data = ds.load_dataset("auto")
    line = capsys.readouterr().out
    assert data["name"] == "MNIST-1D" and data["X_train"].shape == (3000, 40)
    assert line.startswith("Dataset: MNIST-1D (generated offline") and line.count("\n") == 1
    assert "X_train (3000, 40), X_val (1000, 40), X_test (1000, 40)" in line

    _fetch(ds, None, serve(archive[0]).url, archive[1])  # dest None: the data dir
    data = ds.load_dataset("auto", **SMALL)
    line = capsys.readouterr().out
    assert data["name"] == "CIFAR-10" and data["X_train"].shape == (80, 3072)
    assert line.startswith("Dataset: CIFAR-10") and "X_train (80, 3072)" in line
    assert ds.load_dataset("mnist1d")["name"] == "MNIST-1D"


def test_cli_checksum_mismatch_exits_1(ds, archive, serve, tmp_path, capsys):
    server = serve(archive[0])  # its md5 is not the real CIFAR-10 one
    assert ds.main(["cifar10", "--dest", str(tmp_path), "--url", server.url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Checksum mismatch") and ds.CIFAR10_MD5 in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_cli_mnist1d(ds, mnist1d, tmp_path, monkeypatch, capsys):
    shutil.copy(mnist1d[0] / "mnist1d.npz", tmp_path / "mnist1d.npz")
    monkeypatch.setenv("BATCHNORM_DATA_DIR", str(tmp_path))
    assert ds.main(["mnist1d"]) == 0
    assert capsys.readouterr().out.startswith("Dataset: MNIST-1D")
