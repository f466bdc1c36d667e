"""Pure business rules: no database, no terminal. Everything here is testable with plain values."""
