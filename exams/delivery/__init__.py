"""Computer-based delivery: windows, registration, the timed sitting."""
