"""The records services hand to commands, typed (issue 22): a misspelt field is a mypy error, not a KeyError at
run time.

Each is a TypedDict rather than a dataclass: the records are dicts that the renderer prints and ``--format json``
writes as they are, so the keys are the names people and scripts read. A service builds the dict from its query
(the keys are the query's labels, in the order they are printed) and returns it as its record type;
tests/test_records.py checks that every record has exactly the keys its type names. Money is Decimal, moments are
datetime, days are date. Types only: commands import them under TYPE_CHECKING.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import NotRequired, TypedDict

# -- leads -----------------------------------------------------------------------------------------------------


class Activity(TypedDict):
    """A call, email, meeting or note logged on a lead (or on the deal it became)."""

    id: int
    at: datetime
    kind: str
    summary: str
    next_step: date | None
    rep: str | None


class Lead(TypedDict):
    id: int
    name: str
    company: str | None
    title: str | None
    email: str | None
    phone: str | None
    city: str | None
    source: str
    status: str
    score: int
    owner: str | None
    follow_up: date | None
    notes: str | None
    lost_reason: str | None
    customer_id: int | None
    deal_id: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    merged_into: int | None
    activities: NotRequired[list[Activity]]  # lead show, lead update


class LeadMatch(TypedDict):
    """A lead sharing a new or changed lead's email or phone (a warning, not a refusal)."""

    id: int
    name: str
    email: str | None
    phone: str | None


class Conversion(TypedDict):
    """What ``lead convert`` made: the customer (found or created), the contact and the deal."""

    lead_id: int
    deal_id: int
    customer_id: int
    contact_id: int
    customer_created: bool


class FollowUp(Lead):
    """A lead due for follow-up in the agenda: how many days late."""

    overdue_days: int


# -- customers -------------------------------------------------------------------------------------------------


class Contact(TypedDict):
    id: int
    customer_id: int
    customer: str
    name: str
    title: str | None
    email: str | None
    phone: str | None
    created_at: datetime


class _CustomerFields(TypedDict):
    id: int
    name: str
    industry: str | None
    size: str | None
    city: str | None
    region: str | None
    budget: Decimal | None
    tier: str
    owner: str | None
    competitors: str | None
    preferences: str | None
    notes: str | None
    legal_name: str | None
    address: str | None
    tax_id: str | None
    created_at: datetime
    updated_at: datetime
    merged_into: int | None


class Customer(_CustomerFields):
    """A customer in ``customer list``."""

    contacts: int  # how many


class CustomerDetail(_CustomerFields):
    """``customer show``: the customer with its contacts."""

    contacts: list[Contact]


# -- deals -----------------------------------------------------------------------------------------------------


class TimelineEvent(TypedDict):
    at: datetime
    event: str
    detail: str
    rep: str | None


class Deal(TypedDict):
    id: int
    title: str
    customer_id: int
    customer: str
    stage: str
    value: Decimal | None  # the signed contract's, else the live quote's, the confirmed budget, the value set
    source: str | None
    owner: str | None
    expected_close: date | None
    next_step: str | None
    lost_reason: str | None
    created_at: datetime
    stage_at: datetime
    closed_at: datetime | None
    probability: Decimal | None  # set by hand, percent
    win_probability: float  # the one used: set by hand, else the stage's
    timeline: NotRequired[list[TimelineEvent]]  # deal show


class DealActivity(Activity):
    """An activity as ``deal log --format json`` prints it."""

    deal_id: int


class Totals(TypedDict):
    """Deals, their value and the value weighted by each deal's probability."""

    deals: int
    value: Decimal
    probability: float | None  # a stage's default; none on the open stages' total
    weighted: Decimal


class StageTotal(Totals):
    """One stage of ``pipeline``."""

    stage: str


class Demo(TypedDict):
    """A product introduction or demo on a deal: what was shown, who came, what they asked, how it landed."""

    id: int
    deal_id: int
    deal: str
    customer: str
    at: datetime
    products: str | None
    attendees: str | None
    questions: str | None
    feedback: str | None
    outcome: str | None
    rep: str | None


# -- products, quotes and contracts ----------------------------------------------------------------------------


class Product(TypedDict):
    id: int
    sku: str
    name: str
    category: str | None
    price: Decimal
    cost: Decimal
    lead_time_days: int
    active: bool
    description: str | None
    spec: str | None  # printed under the name on quotes and contracts
    unit: str | None
    created_at: datetime
    updated_at: datetime
    margin: float | None  # of the price


class QuoteLine(TypedDict):
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    list_price: Decimal
    line_discount: Decimal
    net: Decimal


class Quote(TypedDict):
    """One revision of a quote as PRODUCT.md's scripting contract shows it, with its context."""

    number: str
    revision: int
    latest_revision: int
    status: str
    deal_id: int
    deal: str | None
    customer: str | None
    lines: list[QuoteLine]
    subtotal: Decimal
    discount: Decimal
    discount_pct: Decimal | None
    net: Decimal
    tax: Decimal
    tax_rate: Decimal | None
    total: Decimal
    currency: str
    list_value: Decimal
    effective_discount: float
    margin: float | None
    needs_approval: bool
    approved: bool
    approval_reasons: list[str]
    approved_by: str | None
    approved_at: datetime | None
    valid_until: date
    sent_at: datetime | None
    decided_at: datetime | None
    reject_reason: str | None
    note: str | None
    rep: str | None
    created_at: datetime
    payment_terms: str | None
    delivery_terms: str | None
    delivery_date: date | None
    remarks: str | None


class QuoteSummary(TypedDict):
    """A quote in ``quote list``: its status as of the day asked."""

    number: str
    revision: int
    status: str
    deal_id: int
    customer: str
    net: Decimal | None
    total: Decimal | None
    currency: str
    valid_until: date
    approval: str  # "", "needed" or "approved"
    owner: str | None
    created_at: datetime


class ContractLine(TypedDict):
    sku: str
    name: str
    qty: int
    unit_price: Decimal | None
    net: Decimal | None
    line_discount: Decimal | None


class Contract(TypedDict):
    number: str
    status: str
    quote: str
    quote_revision: int
    deal_id: int
    deal: str
    customer: str
    owner: str | None
    lines: list[ContractLine]
    subtotal: Decimal | None
    discount: Decimal | None
    discount_pct: Decimal | None
    net: Decimal | None
    tax_rate: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    currency: str
    units: int
    payment_terms: str | None
    terms: str | None
    delivery_terms: str | None
    delivery_date: date | None
    remarks: str | None
    signed_at: datetime | None
    signed_by: str | None
    closed_at: datetime | None
    created_at: datetime


class ContractSummary(TypedDict):
    """A contract in ``contract list``."""

    number: str
    status: str
    deal_id: int
    customer: str
    net: Decimal | None
    total: Decimal | None
    currency: str
    signed_at: datetime | None
    signed_by: str | None
    owner: str | None
    created_at: datetime


# -- orders ----------------------------------------------------------------------------------------------------


class StatusEvent(TypedDict):
    """A step of an order or a ticket along its states (the first one: from nothing)."""

    at: datetime
    from_status: str | None
    to_status: str
    note: str | None
    rep: str | None


class Order(TypedDict):
    """An order with its delivery tracking (late, at risk, the expected day)."""

    number: str
    status: str
    flag: str  # "LATE", "at risk" or ""
    late: bool
    at_risk: bool
    promised: date
    expected: date | None
    days_left: int | None
    contract: str
    deal_id: int
    customer: str
    net: Decimal | None
    owner: str | None
    ordered_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    events: NotRequired[list[StatusEvent]]  # order track


# -- tasks, tickets and surveys --------------------------------------------------------------------------------


class Task(TypedDict):
    """A task on a deal, a lead or a customer (``on``: which; ``record``: its title or name)."""

    id: int
    due: date
    priority: str
    status: str
    on: str  # deal, lead or customer
    record_id: int
    record: str
    text: str
    owner: str | None
    created_at: datetime
    done_at: datetime | None
    overdue_days: int  # 0 unless open and past due



class Ticket(TypedDict):
    """A ticket with where it stands against its SLA."""

    id: int
    subject: str
    priority: str
    status: str
    customer: str
    customer_id: int
    order: str | None
    opened_at: datetime
    sla_due_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    rep: str | None
    sla: str  # "BREACHED", "near" or ""
    breached: bool
    near_breach: bool
    hours_left: float | None  # open tickets
    events: NotRequired[list[StatusEvent]]  # ticket show


class Survey(TypedDict):
    """A satisfaction survey in ``survey list``."""

    id: int
    status: str
    channel: str
    customer: str
    order: str | None
    contact: str | None
    email: str | None
    language: str | None
    sent_at: datetime | None
    responded_at: datetime | None
    nps: int | None
    csat: int | None
    error: str | None


# -- targets ---------------------------------------------------------------------------------------------------

# a rep's revenue (and units) target for a year, quarter or month: functional form, "from" is a keyword
Target = TypedDict("Target", {"rep": str, "period": str, "from": date, "to": date, "revenue": Decimal | None,
                              "units": int | None})
