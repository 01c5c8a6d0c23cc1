"""Training: programs and modules, cohorts and attendance, reports and coverage."""
