"""The Analysis panel: choosing modules and runs, jobs, and their results as tables and plots."""
