"""Reading tables, inferring and enforcing schemas, splitting rows, built-in samples."""
