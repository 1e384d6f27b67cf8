"""Thin Connexion handlers (installed as parley.handlers): HTTP in, engine call, HTTP out."""
