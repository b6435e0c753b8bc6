"""The session database schema and its migrations.

The schema version lives in SQLite's ``PRAGMA user_version``. ``MIGRATIONS[i]`` takes a
database from version ``i`` to ``i + 1``; :func:`migrate` applies the missing ones in one
transaction each, so a database written by older code opens with newer code. Never edit a
released migration: append a new one.
"""

from __future__ import annotations

import sqlite3

from edge.errors import StorageError

_V1 = """
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL,               -- the pipeline's session id
    device_id     TEXT NOT NULL,
    source        TEXT NOT NULL,               -- 'live' or 'analyze'
    source_name   TEXT,                        -- video file name for 'analyze'
    started_at    REAL NOT NULL,               -- wall clock, Unix seconds
    ended_at      REAL,                        -- NULL while recording (or after a crash)
    t_start_s     REAL NOT NULL,               -- capture time of the first frame
    t_end_s       REAL,
    end_reason    TEXT,                        -- 'ended', 'recovered' (crash), 'stopped'
    settings_json TEXT NOT NULL DEFAULT '{}',
    frames        INTEGER NOT NULL DEFAULT 0,
    frames_unstored INTEGER NOT NULL DEFAULT 0,
    report_json   TEXT                         -- analyze report, when stored from a file
);
CREATE INDEX sessions_started ON sessions (started_at);
CREATE INDEX sessions_uid ON sessions (uid);

CREATE TABLE strides (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    foot        TEXT NOT NULL,
    frame_index INTEGER NOT NULL,
    t_s         REAL NOT NULL,
    metrics     TEXT NOT NULL,                 -- {name: {value, unit, confidence, ...}}
    PRIMARY KEY (session_id, idx)
) WITHOUT ROWID;

CREATE TABLE events (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    foot        TEXT NOT NULL,
    frame_index INTEGER NOT NULL,
    t_s         REAL NOT NULL,
    confidence  REAL NOT NULL
);
CREATE INDEX events_session ON events (session_id, t_s);

CREATE TABLE alerts (
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    rule         TEXT NOT NULL,
    cue          TEXT NOT NULL,
    value        REAL,
    stride_index INTEGER NOT NULL,
    t_s          REAL NOT NULL,
    priority     INTEGER NOT NULL
);
CREATE INDEX alerts_session ON alerts (session_id, t_s);

-- Landmarks of every frame, one row per second: float16 (n, 33, 4) x, y, z, visibility
-- (NaN rows: nobody), float32 time offsets from t0_s, int32 frame indices.
CREATE TABLE landmark_blocks (
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    block         INTEGER NOT NULL,
    t0_s          REAL NOT NULL,
    n             INTEGER NOT NULL,
    t_offsets     BLOB NOT NULL,
    frame_indices BLOB NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (session_id, block)
) WITHOUT ROWID;

CREATE TABLE marks (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t_s        REAL NOT NULL,
    created_at REAL NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX marks_session ON marks (session_id, t_s);

CREATE TABLE clips (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t_start_s  REAL NOT NULL,
    t_end_s    REAL NOT NULL,
    reason     TEXT NOT NULL,
    path       TEXT NOT NULL,                  -- relative to the clips directory
    mime       TEXT NOT NULL,
    fps        REAL NOT NULL,
    n_frames   INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    frame_times BLOB NOT NULL                  -- float64 capture time of each frame
);
CREATE INDEX clips_session ON clips (session_id, t_start_s);
"""

# Version 2: settings changed during a session (a save on the settings page): when, and
# what changed, as JSON {"alerts.overstride.threshold": {"from": 0.2, "to": 0.25}}.
_V2 = """
CREATE TABLE settings_changes (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t_s        REAL NOT NULL,                  -- capture time from which the change applies
    created_at REAL NOT NULL,                  -- wall clock, Unix seconds
    changes    TEXT NOT NULL
);
CREATE INDEX settings_changes_session ON settings_changes (session_id, t_s);
"""

# Version 3: fleet reporting (edge.fleet, server.fleet): the device's outbox for the MQTT
# broker and the hub's record of what it already stored.
_V3 = """
CREATE TABLE fleet_outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- send order (never reused)
    topic      TEXT NOT NULL,
    payload    TEXT NOT NULL,                      -- JSON (edge.fleet.messages)
    created_at REAL NOT NULL
);

CREATE TABLE fleet_open_sessions (                 -- sessions whose end is not queued yet
    uid      TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL                      -- the next message's sequence number
) WITHOUT ROWID;

CREATE TABLE fleet_received (                      -- hub: messages stored (duplicates ignored)
    device_id   TEXT NOT NULL,
    session_uid TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (device_id, session_uid, seq)
) WITHOUT ROWID;

CREATE INDEX sessions_device_uid ON sessions (device_id, uid);
"""


# Version 4: runners (who ran a session). NULL runner_id: a guest (no name kept).
_V4 = """
CREATE TABLE runners (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,               -- a name or a pseudonym
    notes         TEXT NOT NULL DEFAULT '',
    consent_clips INTEGER NOT NULL DEFAULT 0,  -- 1: video clips of this runner may be kept
    created_at    REAL NOT NULL
);
ALTER TABLE sessions ADD COLUMN runner_id INTEGER REFERENCES runners (id) ON DELETE SET NULL;
CREATE INDEX sessions_runner ON sessions (runner_id, started_at);
"""

# Version 5: the praise shown when a cue cleared because the fault was gone (``AlertRecord.
# feedback``). NULL: a raised cue, a cue cleared without praise, or a row from before.
_V5 = """
ALTER TABLE alerts ADD COLUMN feedback TEXT;
"""

# Version 6 (the fleet outbox cap):
# the device's outbox totals, kept by triggers so the cap (fleet.outbox_max_mib) is checked
# without scanning the queue, and the count of messages dropped at the cap; on the hub, a
# session's de-duplication records go with the session (retention, deletion on request).
# A trigger's inner ";" is followed by " END": migrate() splits statements at ";\n".
_V6_FLEET_CAP = """
CREATE TABLE fleet_outbox_size (                   -- device: one row, the outbox's totals
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    messages INTEGER NOT NULL,                     -- messages queued
    bytes    INTEGER NOT NULL,                     -- their topic + payload bytes
    dropped  INTEGER NOT NULL DEFAULT 0            -- dropped at the cap, ever
);
INSERT INTO fleet_outbox_size (id, messages, bytes)
    SELECT 1, COUNT(*),
        COALESCE(SUM(length(CAST(topic AS BLOB)) + length(CAST(payload AS BLOB))), 0)
    FROM fleet_outbox;
CREATE TRIGGER fleet_outbox_added AFTER INSERT ON fleet_outbox BEGIN
    UPDATE fleet_outbox_size SET messages = messages + 1,
        bytes = bytes + length(CAST(NEW.topic AS BLOB)) + length(CAST(NEW.payload AS BLOB))
    WHERE id = 1; END;
CREATE TRIGGER fleet_outbox_removed AFTER DELETE ON fleet_outbox BEGIN
    UPDATE fleet_outbox_size SET messages = messages - 1,
        bytes = bytes - length(CAST(OLD.topic AS BLOB)) - length(CAST(OLD.payload AS BLOB))
    WHERE id = 1; END;
CREATE TRIGGER fleet_received_with_session AFTER DELETE ON sessions BEGIN
    DELETE FROM fleet_received WHERE device_id = OLD.device_id AND session_uid = OLD.uid; END;
DELETE FROM fleet_received WHERE NOT EXISTS (
    SELECT 1 FROM sessions s
    WHERE s.device_id = fleet_received.device_id AND s.uid = fleet_received.session_uid
);
"""

# Version 7 (coaching on whole short sessions): a cue raised by judging all of a session's
# confident strides keeps how many showed the fault (``AlertRecord.evidence``; NULL for a
# live cue or a row from before), and a session keeps the cadence chosen for it (value,
# source, reason as JSON; NULL: computed from its steps). A video analysed and stored before
# gets the cadence its stored report chose.
_V7_VERDICTS = """
ALTER TABLE alerts ADD COLUMN evidence TEXT;
ALTER TABLE sessions ADD COLUMN cadence_json TEXT;
UPDATE sessions SET cadence_json = json_object(
        'spm', json_extract(report_json, '$.cadence_spm'),
        'source', json_extract(report_json, '$.cadence_source'),
        'reason', json_extract(report_json, '$.cadence_reason'))
    WHERE report_json IS NOT NULL AND json_valid(report_json)
    AND json_extract(report_json, '$.cadence_source') IS NOT NULL;
"""

# Version 8 (frame geometry): every session keeps the width and height of its camera frames
# in its settings (``frame``), so re-analysing it, its replay and the report's pictures keep
# the frame's shape. Sessions recorded before: recovered from a kept clip (the camera frames
# at their own shape) or, for the simulated runner, from its configured size; the others
# stay without it (and say so: "frame size unknown").
_V8_FRAME = """
UPDATE sessions SET settings_json = json_set(settings_json, '$.frame', json_object(
        'width', (SELECT c.width FROM clips c WHERE c.session_id = sessions.id
                  ORDER BY c.t_start_s LIMIT 1),
        'height', (SELECT c.height FROM clips c WHERE c.session_id = sessions.id
                   ORDER BY c.t_start_s LIMIT 1)))
    WHERE json_valid(settings_json) AND json_extract(settings_json, '$.frame') IS NULL
    AND EXISTS (SELECT 1 FROM clips c WHERE c.session_id = sessions.id);
UPDATE sessions SET settings_json = json_set(settings_json, '$.frame', json_object(
        'width', json_extract(settings_json, '$.capture.demo_width'),
        'height', json_extract(settings_json, '$.capture.demo_height')))
    WHERE json_valid(settings_json) AND json_extract(settings_json, '$.frame') IS NULL
    AND json_extract(settings_json, '$.simulated') = 1
    AND json_extract(settings_json, '$.capture.demo_width') > 0
    AND json_extract(settings_json, '$.capture.demo_height') > 0;
"""

MIGRATIONS: tuple[str, ...] = (
    _V1, _V2, _V3, _V4, _V5, _V6_FLEET_CAP, _V7_VERDICTS, _V8_FRAME
)  # fmt: skip
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`; returns the version found before."""
    (found,) = conn.execute("PRAGMA user_version").fetchone()
    if found > SCHEMA_VERSION:
        raise StorageError(
            f"session database has schema version {found}, newer than this treadwatch "
            f"({SCHEMA_VERSION}): upgrade treadwatch or point recording.db_path elsewhere"
        )
    for version in range(found, SCHEMA_VERSION):
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[version].split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except sqlite3.Error:
            conn.execute("ROLLBACK")
            raise
    return int(found)
