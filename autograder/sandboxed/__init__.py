"""The code that runs inside the sandbox, beside the student's: untrusted once the student's
first line has run. It imports the standard library, numpy and IPython's input transformer,
and nothing of the trusted side (a test holds that). ``runner.py`` is the process; ``probes.py``
the call patterns the hidden checks make; ``audit.py`` what is watched; ``scan.py`` the static
scan of the student's cells; ``contracts.py`` what crosses the boundary, both ways (the job,
the progress records, each part's report, the ids of steps and parts). The trusted side
imports ``contracts``, ``probes`` and ``scan`` (to read what comes back, to run the same calls
on the reference and to test them), never the other way round.
"""
