"""Where the services' small helpers used to live, one module each now: record ids (``services/ids.py``), one row
at a time (``services/rows.py``), the audit trail (``services/audit.py``) and document numbers
(``services/numbers.py``), and the ownership checks (``services/authz.py``, with the team rules), re-exported here so
existing imports keep working."""

from __future__ import annotations

from salescli.services.audit import audit
from salescli.services.authz import customer_owner, ensure_can_change, order_owner
from salescli.services.ids import ENTITIES, MAX_ID, parse_id
from salescli.services.numbers import next_number, parse_document_number
from salescli.services.rows import fetch, insert_id, money_fields

__all__ = ["ENTITIES", "MAX_ID", "audit", "customer_owner", "ensure_can_change", "fetch", "insert_id",
           "money_fields", "next_number", "order_owner", "parse_document_number", "parse_id"]
