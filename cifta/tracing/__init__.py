"""Trace requests between States (issue 5): so far the pure engines only, no Django app yet."""
