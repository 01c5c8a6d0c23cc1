"""Seam: CE providers (application, approval for a period), their courses, rosters, catalog."""
