"""Standard setting: modified-Angoff panels, ratings and the cut a board adopts."""
