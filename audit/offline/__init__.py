"""The audit log checked offline: Merkle proofs, signed notes, receipts, bundles, the witness.

Nothing here imports Flask or SQLAlchemy, so an auditor runs it on their own machine, quickly.
"""
