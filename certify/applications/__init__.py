"""Applications: the trainee profile, eligibility, the application workflow, documents, review."""
