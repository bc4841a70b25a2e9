"""Reports keep no records of their own except bulletins and summaries (see the documents part)."""
