"""Employers: organizations and their people, API keys, roster checks, monitoring."""
