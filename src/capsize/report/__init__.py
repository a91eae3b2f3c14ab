"""The report: context, narrative, charts, templates."""
