"""The composition root: the one place that knows every part and puts them together.

``edge`` (camera, pose, gait, recording, fleet reporting) and ``server`` (the web apps) do
not build each other: :mod:`treadwatch.compose` opens the frame source, loads the pose
model, makes the sinks (recorder, fleet publisher), builds the live pipeline, the device's
web app or the hub's, and runs them under uvicorn with the server limits and TLS; the
commands (:mod:`treadwatch.cli`) call it. Imports go one way: ``treadwatch`` → ``server`` →
``edge``; ``edge`` imports neither.
"""
