"""hcn-ld: publish EU cooperation projects as validated, dereferenceable linked data.

The package is the pipeline it implements, one module per stage::

    sources (hcn_ld.sources)  ->  mapping to RDF (hcn_ld.mapping)
      ->  SHACL validation (hcn_ld.validation)  ->  atomic publish (hcn_ld.store)
      ->  web: dereferencing, SPARQL, HTML (hcn_ld.web)

``hcn_ld.uris`` mints every IRI, ``hcn_ld.formats`` is the one registry of RDF and
result formats, ``hcn_ld.cli`` is the ``hcn-ld`` command.
"""

__version__ = "0.1.0"
