"""bulk layer."""
