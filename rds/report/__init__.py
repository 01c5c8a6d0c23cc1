"""The Role Delineation Study report as a PDF: layout, statistics sections, the document."""
