"""Session recording to SQLite, retention, clips."""
