"""The errors a user can act on.

Hierarchy::

    TreadwatchError            anything the CLI prints as one line and exits non-zero
    ├── ConfigError            a config file or value is wrong (names the key)
    ├── ModelError             a model file is missing, corrupt or cannot be fetched
    ├── VideoError             a video file is missing, unreadable or not a video
    ├── CameraError            a camera is absent, busy or stopped delivering frames
    ├── FrameError             a frame has the wrong shape or type
    └── StorageError           the session store cannot be written or read

Every message says what went wrong and what to do about it.
"""

from __future__ import annotations


class TreadwatchError(Exception):
    """Base class: the message is shown to the user as is."""


class ConfigError(TreadwatchError):
    """A configuration file or value is invalid."""


class ModelError(TreadwatchError):
    """A pose model is missing, corrupt, or could not be fetched."""


class VideoError(TreadwatchError):
    """A video file cannot be opened or decoded."""


class CameraError(TreadwatchError):
    """A camera cannot be opened or stopped delivering frames."""


class FrameError(TreadwatchError):
    """A frame given to the pipeline has the wrong shape or dtype."""


class StorageError(TreadwatchError):
    """The session store cannot be written or read."""
