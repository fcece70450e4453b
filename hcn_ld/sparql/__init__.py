"""SPARQL for the endpoint: what a query text says, running it in killable processes, answers."""
