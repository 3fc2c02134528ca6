"""Serial-number engines (pure: no Django)."""
