"""Offline tooling that builds guard's learned injection model (never imported by ``guard``).

``python -m training`` generates the corpus (:mod:`training.corpus`), fits the model
(:mod:`training.fit`) and writes ``guard/data/injection_model.json``. The public evaluation
sets are never read here: they stay measurement sets.
"""
