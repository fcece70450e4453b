"""Artefacts derived from a published version: whole-dataset dumps, the full-text index."""
