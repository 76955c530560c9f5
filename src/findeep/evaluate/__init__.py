"""Metrics as pure functions, and side-by-side comparisons."""
