"""Is this image ready to list: listing checks, verdicts, overlay detection."""
