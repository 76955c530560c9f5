"""Preprocessing fitted on training rows only, stored as plain JSON."""
