"""Session recording to SQLite, retention, clips, export.

- :mod:`edge.recording.recorder` — :class:`~edge.recording.recorder.Recorder`, the live
  pipeline's sink: a queue to a writer thread, commits every ``flush_interval_s``, disk
  headroom levels, retention, crash recovery, ``stats()``, ``mark()``; its writer thread
  in :mod:`edge.recording.writer` (messages in :mod:`edge.recording.writer_messages`,
  commits in :mod:`edge.recording.commit`, disk guard in :mod:`edge.recording.disk`,
  landmark blocks in :mod:`edge.recording.blocks`, clip policy in
  :mod:`edge.recording.clip_policy`).
- :mod:`edge.recording.store` — the database and its writes (WAL, versioned schema in
  :mod:`edge.recording.schema`); typed reads in :mod:`edge.recording.reads` returning
  :mod:`edge.recording.rows`, column encodings in :mod:`edge.recording.codec`, crash
  recovery and retention in :mod:`edge.recording.retention`.
- :mod:`edge.recording.clips` — the in-memory JPEG ring and the clip encoder thread.
- :mod:`edge.recording.export` — CSV / JSON export, comparison;
  :mod:`edge.recording.analysis_import` — analyze → session.
- :mod:`edge.recording.commands` — ``treadwatch sessions list|delete|export`` and ``backup``.
- :mod:`edge.recording.live` — ``make_sinks(config)``: the live pipeline's typed sinks.
"""
