"""Scope of service: the board's studies, the scope editor, tasks.csv import and export."""
