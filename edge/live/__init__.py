"""The real-time path: frame sources, the live pipeline, presence detection."""
