"""salescli: a terminal-first sales pipeline manager."""

__version__ = "0.1.0"
