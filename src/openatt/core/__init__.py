"""The domain model and the assessment engine. Pure: no I/O, no adapters imported."""
