"""Seam: the board's CE categories, rule versions per credential type and CE settings."""
