"""Decree 30 documents: one module per thing a clerk does (drafting, numbering, circulation, ...).

Those modules import no Flask: callers pass the session (and a `StagedBlobs`) and commit; every
function raises a typed error from `documents.errors` before it changes what it cannot undo.
"""
