"""Previews: a session's build running in its sandbox (`process`), waited on until its
URL answers (`readiness`), photographed by headless Chromium (`screenshots`), a desktop
app on a virtual display served through noVNC (`vnc`). No events here: the manager
records what came of each step (manager/preview.py)."""
