"""hcn-ld: publish EU cooperation projects as validated, dereferenceable linked data.

The package is the pipeline it implements, one module per stage::

    sources (hcn_ld.build.sources)  ->  mapping to RDF (hcn_ld.build.mapping)
      ->  SHACL validation (hcn_ld.build.validation)  ->  atomic publish (hcn_ld.store)
      ->  web: dereferencing, SPARQL, HTML (hcn_ld.web)

``hcn_ld.rdf.uris`` mints every IRI, ``hcn_ld.rdf.formats`` is the one registry of RDF and
result formats, ``hcn_ld.cli`` is the ``hcn-ld`` command.
"""

__version__ = "0.1.0"
