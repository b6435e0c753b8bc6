"""The web server on the Pi: live page, status, settings (FastAPI)."""
