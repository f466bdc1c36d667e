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
from typing import Any, Literal, NotRequired, TypedDict

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


# -- reps ------------------------------------------------------------------------------------------------------


class Rep(TypedDict):
    """A rep as stored: who sells, who manages (``rep add`` and ``rep update`` print part of it)."""

    id: int
    handle: str
    name: str
    email: str | None
    role: str  # "rep" or "manager"
    active: bool
    created_at: datetime
    login: str | None  # PostgreSQL team mode: the login role the rep connects as


class RepChanges(TypedDict, total=False):
    """What ``rep update`` changes (only what differs)."""

    name: str
    email: str | None
    role: str
    login: str


class RepSummary(TypedDict):
    """A rep in ``rep list``."""

    handle: str
    name: str
    email: str | None
    role: str
    active: bool
    created_at: datetime


# -- needs -----------------------------------------------------------------------------------------------------


class NeedItem(TypedDict):
    """A requested item priced from the catalog (name, category, lead time: none if the product is gone)."""

    sku: str
    name: str | None
    category: str | None
    spec: str | None
    qty: int
    target_price: Decimal | None
    list_price: Decimal
    line_value: Decimal
    lead_time_days: int | None


class Finding(TypedDict):
    """A stored feasibility finding (domain/needs.Finding as JSON)."""

    kind: str
    message: str
    sku: str | None


class Needs(TypedDict):
    """A deal's current confirmed needs (``needs show``)."""

    id: int
    deal_id: int
    deal: str
    status: str
    items: list[NeedItem]
    budget: Decimal | None
    list_value: Decimal
    deliver_by: date | None
    decision_maker: str | None
    notes: str | None
    findings: list[Finding]
    confirmed_at: datetime
    rep: str | None


class Recommendation(TypedDict):
    """A catalog product that fits a deal's needs (``product recommend``)."""

    for_sku: str | None
    sku: str
    name: str
    category: str | None
    price: Decimal
    qty: int
    line_value: Decimal
    lead_time_days: int
    fits_budget: bool
    fits_deadline: bool
    reason: str


# -- history ---------------------------------------------------------------------------------------------------


class Change(TypedDict):
    """One entry of a record's audit trail: ``before`` and ``after`` as they were stored (JSON objects)."""

    at: datetime
    rep: str | None
    action: str
    changes: str  # a one-line summary of the fields changed
    before: dict[str, Any]
    after: dict[str, Any]


# -- reports ---------------------------------------------------------------------------------------------------

# the days a report covers, both included: functional form, "from" is a keyword
Span = TypedDict("Span", {"from": date, "to": date})

#: what a KPI report is grouped by (its rows carry the group under this key)
Grouping = Literal["rep", "month", "channel", "product"]


class Measures(TypedDict):
    """A KPI row's measures (PRODUCT.md's definitions): money Decimal, rates and averages JSON numbers, None where
    a ratio has no denominator."""

    revenue: Decimal
    units: int
    deals_won: int
    deals_lost: int
    win_rate: float | None
    avg_deal: Decimal | None
    cycle_days: float | None
    target: Decimal | None
    attainment: float | None
    nps: float | None
    csat: float | None
    surveys: int
    on_time_rate: float | None


class KpiRow(Measures):
    """One group's row: its group under the report's ``by`` key (a rep's handle, YYYY-MM, a channel, a SKU; None:
    no rep, no channel)."""

    rep: NotRequired[str | None]
    month: NotRequired[str]
    channel: NotRequired[str | None]
    product: NotRequired[str | None]


class KpiReport(TypedDict):
    period: Span
    by: Grouping
    rows: list[KpiRow]
    total: Measures


class FunnelCounts(TypedDict):
    """How many leads reached each step, and the conversion from each step to the next (None: none reached the
    earlier one)."""

    leads: int
    deals: int
    needs: int
    demo: int
    quote_sent: int
    won: int
    leads_to_deals: float | None
    deals_to_needs: float | None
    needs_to_demo: float | None
    demo_to_quote_sent: float | None
    quote_sent_to_won: float | None
    lead_to_won: float | None


class FunnelRow(FunnelCounts):
    """A channel's or a rep's funnel (rep: its handle, or "unassigned")."""

    channel: NotRequired[str | None]
    rep: NotRequired[str]


class StageDays(TypedDict):
    stage: str
    deals: int
    avg_days: float | None


class Funnel(TypedDict):
    period: Span
    by: Literal["channel", "rep"]
    rows: list[FunnelRow]
    total: FunnelCounts
    stage_days: list[StageDays]


class ForecastMonth(TypedDict):
    """Open deals expected to close in a month (YYYY-MM, or "(no date)")."""

    month: str
    deals: int
    value: Decimal
    weighted: Decimal


class LostReason(TypedDict):
    """Deals lost for one reason (within a group: its rep, channel or product)."""

    reason: str  # the team's key, or the free text stored before the list existed, or "(none)"
    name: str | None  # the reason's display name from the list
    deals: int
    value: Decimal
    share: float | None  # of the group's lost deals
    value_share: float | None  # of the group's value lost
    rep: NotRequired[str]  # --by: the group ("(none)": no rep, no channel, no product quoted)
    channel: NotRequired[str]
    product: NotRequired[str]


class LostTotal(TypedDict):
    deals: int
    value: Decimal


class LostReport(TypedDict):
    """``kpi lost-reasons``."""

    period: Span
    by: Literal["reason", "rep", "channel", "product"]
    rows: list[LostReason]
    total: LostTotal


# -- whole rows ------------------------------------------------------------------------------------------------
# A table's row as stored (money in minor units, rates in basis points): what services read before they change a
# record, and hand to each other.


class DealRow(TypedDict):
    id: int
    title: str
    customer_id: int
    contact_id: int | None
    lead_id: int | None
    owner_id: int | None
    source: str | None
    stage: str
    value_minor: int | None
    expected_close: date | None
    lost_reason: str | None
    created_at: datetime
    updated_at: datetime
    stage_at: datetime
    closed_at: datetime | None
    probability_bp: int | None
    next_step: str | None
    lost_note: str | None


class QuoteRow(TypedDict):
    """One revision of a quote."""

    id: int
    number: str
    revision: int
    deal_id: int
    status: str
    currency: str
    discount_bp: int
    tax_rate_bp: int
    subtotal_minor: int
    discount_minor: int
    net_minor: int
    tax_minor: int
    total_minor: int
    list_minor: int
    cost_minor: int
    valid_until: date
    needs_approval: bool
    approval_reason: str | None
    approved_by: int | None
    approved_at: datetime | None
    sent_at: datetime | None
    decided_at: datetime | None
    reject_reason: str | None
    note: str | None
    rep_id: int | None
    created_at: datetime
    payment_terms: str | None
    delivery_terms: str | None
    delivery_date: date | None
    remarks: str | None


class ContractRow(TypedDict):
    id: int
    number: str
    quote_id: int
    deal_id: int
    status: str
    currency: str
    payment_terms: str | None
    terms: str | None
    discount_bp: int
    tax_rate_bp: int
    subtotal_minor: int
    discount_minor: int
    net_minor: int
    tax_minor: int
    total_minor: int
    units: int
    signed_at: datetime | None
    signed_by: str | None
    closed_at: datetime | None
    created_at: datetime
    delivery_terms: str | None
    delivery_date: date | None
    remarks: str | None


class OrderRow(TypedDict):
    id: int
    number: str
    contract_id: int
    deal_id: int
    status: str
    promised: date
    shipped_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
