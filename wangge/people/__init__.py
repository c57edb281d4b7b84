"""Persons and their personal data, household membership, member and worker profiles."""
