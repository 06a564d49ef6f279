"""Ops layer: the offline plan, the compliance check of exports, benchmarks."""
