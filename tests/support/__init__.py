"""Test support: throw-away SPARQL servers, the served app, synthetic data."""
