"""Copied code: the students' answer cells compared pairwise, as MOSS does (copydetect's
winnowing), and with known public solutions. ``python -m autograder similarity OUT``.

- ``documents``: what is compared (each student's answer cells; the release's stubs, which do
  not count; the known solutions of ``--reference``);
- ``tokens``: the token stream that is fingerprinted (copydetect's filter, formatting left out);
- ``fingerprint``: k-gram hashes, winnowing, and what two documents share (copydetect's);
- ``compare``: every pair scored and flagged (the thresholds);
- ``record``: ``OUT/similarity.json``, which the report's *Similar code* section reads;
- ``command``: the command.

A flagged pair is a suspicion for a human; nothing here reads or writes a grade.
"""
