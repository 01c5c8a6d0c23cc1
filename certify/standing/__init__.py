"""Seam: each person's stored standing (the eligibility engine's result) kept current."""
