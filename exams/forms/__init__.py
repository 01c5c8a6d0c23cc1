"""The exam forms seam: assembly against the blueprint, pretest items, publishing."""
