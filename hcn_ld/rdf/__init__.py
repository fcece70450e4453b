"""RDF basics every layer shares: vocabularies, the IRI minter, the format registry, countries."""
