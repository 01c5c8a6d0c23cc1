"""Seam: random audits of closed cycles, evidence per activity, outcomes and consequences."""
