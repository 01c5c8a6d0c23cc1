"""Seam: the board's compliance report (rates per credential type and cycle, at-risk list)."""
