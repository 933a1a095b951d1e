"""Benchmarks and a realistic bulk data generator for sanshen (see bench/README.md)."""
