"""Enrollment through its HTTP API: units, schemes and quotes, persons, arrears."""
