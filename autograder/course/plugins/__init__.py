"""The kit's nbgrader preprocessors, one module per nbgrader stage, each named in
``nbgrader_config.py``:

- ``release``: generate_assignment (``make release``): ``TaskStubs``, ``HelpersDigest``;
- ``autograde``: autograde's sanitize step ``RepairMetadata`` and ``HiddenChecks``, which
  grades in the sandbox instead of nbgrader's ``Execute``;
- ``feedback``: generate_feedback: ``GetGradesTold`` (the page's exporter is
  ``course/exporter.py``);
- ``metadata``: ``CheckCellMetadata``, which every stage runs.

The late-penalty plugin and the autograde step that records deadlines are
``course/lateplugin.py``.
"""
