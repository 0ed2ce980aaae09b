"""dates layer."""
