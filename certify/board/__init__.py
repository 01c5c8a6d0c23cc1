"""Board work: what needs attention on a board and the certification pipeline."""
