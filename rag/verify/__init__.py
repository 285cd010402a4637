"""Checking every claim against its evidence: names, numbers, roles, events, qualifiers, negation."""
