"""Supervised hours: trainees log them, supervisors confirm them, boards verify supervisors."""
