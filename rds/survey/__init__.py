"""Validation survey: setup, invitations, the respondents' survey, responses in bulk, files."""
