"""Helpers for the Discord front end's tests (and the shared async service's)."""
