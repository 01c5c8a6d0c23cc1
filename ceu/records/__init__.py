"""Seam: certificants' CE records with evidence, their dashboard and transcript; staff review."""
