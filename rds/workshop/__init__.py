"""SME workshop: the panel, private voting links, the keep / revise / drop tally, resolutions."""
