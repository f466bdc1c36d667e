"""Reading records from files: encoding detection, CSV / JSON / JSON Lines, physical line numbers, problems
reported as ``FILE:LINE: column: message``."""
