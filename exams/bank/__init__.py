"""The item bank seam: writing, review, versions, enemies, import/export, assignments."""
