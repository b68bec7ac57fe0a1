"""Given helpers for the batch normalization assignment (not graded)."""
