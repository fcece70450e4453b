"""Linking: our places, sites and organisations -> GeoNames, NUTS, EU countries and CORDIS.

``endpoint`` says where targets are looked up (SPARQL over HTTP or a local store), ``names``
how organisation names are compared, ``links`` which links are made and how they become
VoID linksets, ``sssom`` how they are written as an SSSOM mapping table.
"""
