"""Examples at the end of each command's help: real command lines, the same in every language.

Keyed by the command's path after ``salescli``; a test checks every command has examples and that each one
parses (right command, known options, valid values)."""

EXAMPLES: dict[str, list[str]] = {}
