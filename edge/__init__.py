"""treadwatch on-device pipeline: capture, pose, gait analysis, alerts, recording."""

__version__ = "0.1.0"
