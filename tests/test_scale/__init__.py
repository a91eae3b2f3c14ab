"""Tests of capsize.scale: partitioned breadth, sweeps, the Parquet dataset, a local cluster."""
