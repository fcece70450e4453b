"""Building the graph: sources -> RDF -> SHACL -> atomic publish (with importers and linking)."""
