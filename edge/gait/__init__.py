"""Gait analysis: ring buffer, gait events, per-stride metrics, alerts."""
