"""Readers of raw statistics and the dataset manifest."""

from imtfp.ingest.nbs import Reading, read_nbs, read_nbs_file, split_unit

__all__ = ["Reading", "read_nbs", "read_nbs_file", "split_unit"]
