"""Tests of the outlink topic model: predictor, transformer, one-process shape."""
