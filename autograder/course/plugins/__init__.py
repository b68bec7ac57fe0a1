"""The kit's nbgrader preprocessors, one module per nbgrader stage, each named in
``nbgrader_config.py``:

- ``release``: generate_assignment (``make release``): ``TaskStubs``, ``HelpersDigest``;
- ``autograde``: autograde's sanitize steps ``RepairMetadata`` and ``OverwriteCells``
  (nbgrader's, its lookups read at once: ``course/prefetch.py``) and ``HiddenChecks``, which
  grades in the sandbox instead of nbgrader's ``Execute``;
- ``feedback``: generate_feedback: ``GetGradesTold`` (its lookups read at once too; the page's
  exporter is ``course/feedback_cache.py``'s, over ``course/exporter.py``);
- ``metadata``: ``CheckCellMetadata``, which every stage runs.

The late-penalty plugin and the autograde step that records deadlines are
``course/lateplugin.py``.
"""
