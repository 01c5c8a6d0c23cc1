"""Renewal and reinstatement: the board's window before expiry, the grace period after it,
renewal requests with attestations and a fee flag, staff review when flagged, and
reinstatement after the grace period by the board's rule (extra CE from ceu, a fee, a new
exam). Other modules say what stops a renewal through certify's hooks."""
