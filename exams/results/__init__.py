"""Exam results: vendor imports, scoring, score reports, item analysis."""
