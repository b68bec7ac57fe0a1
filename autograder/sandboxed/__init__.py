"""The code that runs inside the sandbox, beside the student's: untrusted once the student's
first line has run. It imports the standard library, numpy and IPython's input transformer,
and nothing of the trusted side (a test holds that). ``runner.py`` is the process; ``probes.py``
the call patterns the hidden checks make; ``audit.py`` what is watched; ``scan.py`` the static
scan of the student's cells. The trusted side imports ``probes`` and ``scan`` to run the same
calls on the reference and to test them, never the other way round.
"""
