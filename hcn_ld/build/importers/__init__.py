"""Importers of catalogue exports (CORDIS, KEEP): each maps rows to RDF in its own named graph.

Shared helpers for reading delimited exports and reporting bad rows live in
:mod:`hcn_ld.build.importers.common`; each importer module (``cordis.py``, ``keep.py``) maps its
rows, validates the result with the shapes in ``shapes/`` and publishes it through
:func:`hcn_ld.build.pipeline.publish_mapped`.
"""
