"""Runners: who ran a session, their progress across visits, a report, export and deletion.

A runner is a name or pseudonym kept on the device (``runners`` table, migration 2), with
optional notes and a consent flag for video clips. A session's ``runner_id`` is NULL for a
guest: a guest's session keeps no name.
"""
