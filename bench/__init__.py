"""Benchmarks: `make bench` runs bench/run.py. They print numbers; tests never assert them."""
