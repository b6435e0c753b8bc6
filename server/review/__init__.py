"""Session review pages and API (sessions work)."""
