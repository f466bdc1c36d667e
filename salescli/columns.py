"""The column lists more than one command prints (``lead due`` and ``today``'s follow-ups, ``order list`` and its
late orders, ...), defined once here so that no command imports another; a list one command alone prints stays
beside that command."""

from __future__ import annotations

from salescli.output import Col

#: lead due, and today's follow-ups
LEAD_DUE = [Col("follow_up", "due"), Col("overdue_days", "late (days)", True), Col("id", "id", True),
            Col("name", "name"), Col("company", "company"), Col("phone", "phone"), Col("status", "status"),
            Col("score", "score", True), Col("owner", "owner")]
#: quote list, and today's expiring quotes
QUOTES = [Col("number", "number"), Col("revision", "rev", True), Col("status", "status"),
          Col("deal_id", "deal", True), Col("customer", "customer"), Col("net", "net", True),
          Col("total", "total", True), Col("valid_until", "valid until"), Col("approval", "approval"),
          Col("owner", "owner")]
#: order track/list, and today's late and at-risk orders
ORDERS = [Col("number", "order"), Col("status", "status"), Col("flag", "flag"), Col("promised", "promised"),
          Col("expected", "expected"), Col("days_left", "days left", True), Col("customer", "customer"),
          Col("net", "net", True), Col("owner", "owner")]
#: task list, and today's tasks
TASKS = [Col("due", "due"), Col("overdue_days", "late (days)", True), Col("id", "id", True),
         Col("priority", "priority"), Col("on", "on"), Col("record_id", "#", True), Col("record", "record"),
         Col("text", "task"), Col("status", "status"), Col("owner", "owner")]
#: ticket list, and today's tickets near their SLA
TICKETS = [Col("id", "id", True), Col("priority", "priority"), Col("status", "status"), Col("sla", "sla"),
           Col("sla_due_at", "due"), Col("hours_left", "hours left", True), Col("customer", "customer"),
           Col("order", "order"), Col("subject", "subject")]
#: lead merge and customer merge (--dry-run): what moves
MERGE_MOVES = [Col("table", "table"), Col("column", "column"), Col("rows", "rows", True)]
