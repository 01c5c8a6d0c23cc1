"""Signed credentials: Open Badges 3.0 with eddsa-rdfc-2022 proofs, status lists, did:web."""
