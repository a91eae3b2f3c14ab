"""One rule per domain concept, used by every query, analysis and front end.

Each module holds one concept's rule and states it in words (``RULE``) so that outputs
can quote it: :mod:`~capsize.rules.staleness` (when data is too old to use).
Modules here are pure: no store, no network, no configuration reading (the query
layer passes configured values in).
"""
