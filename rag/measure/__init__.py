"""Measuring: running question sets and BEIR sets, scoring answers, the metrics."""
