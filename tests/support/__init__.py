"""What the tests share: corpora of submissions, graders in-process, host users, servers."""
