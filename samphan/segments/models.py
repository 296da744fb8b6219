"""Saved segments and their membership snapshots."""
