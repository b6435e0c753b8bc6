"""Offline analysis of recorded clips: ``analyze`` and ``bench``."""
