"""What each importable entity accepts: its fields, how each is checked, the headers it recognizes (Chinese
included), the columns an export adds that an import ignores, and how duplicates are recognized.

A field's check takes the cell text and returns the column values to store (or raises InputError); checks
are plain functions so a million rows cost microseconds each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from salescli.domain import customers as customer_rules
from salescli.domain import fields as field_rules
from salescli.domain import leads as lead_rules
from salescli.domain.catalog import parse_lead_time, parse_sku
from salescli.domain.dates import parse_date, parse_datetime
from salescli.domain.identity import clean_text, name_key, normalize_email, normalize_phone, parse_tax_id
from salescli.domain.money import parse_amount, to_minor
from salescli.domain.pipeline import LEAD
from salescli.errors import InputError
from salescli.i18n import _

Check = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Context:
    """What checks need from outside the row: today, the phone region, reps and customers by name."""

    now: datetime
    region: str
    reps: Mapping[str, int]  # handle → id
    customers: Mapping[str, int] = field(default_factory=dict)  # name key → id
    customer_ids: frozenset[int] = frozenset()
    # who imports: their rows are theirs (owner left empty → them); a rep (``restricted``) may not give a row to
    # another rep, nor add contacts to another rep's customer (services/authz.py)
    actor_id: int | None = None
    restricted: bool = False
    customer_owners: Mapping[int, int | None] = field(default_factory=dict)
    # the team's settings: its own industry and channel aliases (folded alias → key), the tier rule's industries
    industries: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    targets: tuple[str, ...] = customer_rules.DEFAULT_TARGET_INDUSTRIES


@dataclass(frozen=True)
class Spec:
    entity: str
    table: str
    fields: Mapping[str, Callable[[Context], Check]]
    required: tuple[str, ...]
    keys: Mapping[str, tuple[str, str]]  # --key name → (staging column, target column), in matching order
    default_keys: tuple[str, ...]
    ignored: frozenset[str]  # export-only columns
    aliases: Mapping[str, str]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    scope_key: str | None = None  # a duplicate must also match this column (contacts: the same customer)


# (table, column) → its rule, for the text fields an import checks (the column-wise fast path reads it)
_TEXT_RULES: dict[tuple[str, str], field_rules.Text] = {}


def _text(table: str, name: str) -> Callable[[Context], Check]:
    """A text field checked by its rule in the one field table (domain/fields.py)."""
    rule = _TEXT_RULES[(table, name)] = field_rules.rule(table, name)

    def make(_ctx: Context) -> Check:
        def check(value: str) -> dict[str, Any]:
            cleaned = clean_text(value, field=name, max_len=rule.max_len, required=rule.required,
                                 multiline=rule.multiline)
            return {name: cleaned or None}
        return check
    return make


def _email(_ctx: Context) -> Check:
    def check(value: str) -> dict[str, Any]:
        if not value.strip():
            return {"email": None, "email_key": None}
        text, key = normalize_email(value, field="email")
        return {"email": text, "email_key": key}
    return check


def _phone(ctx: Context) -> Check:
    def check(value: str) -> dict[str, Any]:
        if not value.strip():
            return {"phone": None, "phone_key": None}
        text, key = normalize_phone(value, region=ctx.region, field="phone")
        return {"phone": text, "phone_key": key}
    return check


def _tax_id(_ctx: Context) -> Check:
    def check(value: str) -> dict[str, Any]:
        return {"tax_id": parse_tax_id(value, field="tax_id") if value.strip() else None}
    return check


def _owner(ctx: Context) -> Check:
    def check(value: str) -> dict[str, Any]:
        handle = value.strip().lower()
        if not handle:
            return {"owner_id": None}
        if handle not in ctx.reps:
            raise InputError(_("{field}: no rep {handle!r}").format(field="owner", handle=value.strip()))
        if ctx.restricted and ctx.reps[handle] != ctx.actor_id:
            raise InputError(_("{field}: only a manager can give a record to another rep ({handle!r})").format(
                field="owner", handle=value.strip()))
        return {"owner_id": ctx.reps[handle]}
    return check


def _day(name: str) -> Callable[[Context], Check]:
    def make(ctx: Context) -> Check:
        today = ctx.now.date()

        def check(value: str) -> dict[str, Any]:
            return {name: parse_date(value, today=today, field=name) if value.strip() else None}
        return check
    return make


def _moment(name: str) -> Callable[[Context], Check]:
    def make(ctx: Context) -> Check:
        def check(value: str) -> dict[str, Any]:
            return {name: parse_datetime(value, now=ctx.now, field=name) if value.strip() else ctx.now}
        return check
    return make


def _money(name: str, *, required: bool = False) -> Callable[[Context], Check]:
    def make(_ctx: Context) -> Check:
        def check(value: str) -> dict[str, Any]:
            if not value.strip():
                if required:
                    raise InputError(_("{field}: must not be empty").format(field=name))
                return {f"{name}_minor": None}
            return {f"{name}_minor": to_minor(parse_amount(value, field=name))}
        return check
    return make


def _source(ctx: Context) -> Check:
    return lambda value: {"source": lead_rules.parse_source(value, ctx.channels)}


def _industry(ctx: Context) -> Check:
    """The industry's canonical key (制造业 → manufacturing), checked like any customer text."""
    rule = field_rules.rule("customers", "industry")

    def check(value: str) -> dict[str, Any]:
        cleaned = clean_text(value, field="industry", max_len=rule.max_len, required=False,
                             multiline=rule.multiline)
        industry = customer_rules.parse_industry(cleaned, ctx.industries)
        if industry is not None and len(industry) > rule.max_len:
            industry = cleaned
        return {"industry": industry}
    return check


def _lead_status(_ctx: Context) -> Check:
    def check(value: str) -> dict[str, Any]:
        return {"status": LEAD.parse(value, field="status") if value.strip() else "new"}
    return check


def _size(_ctx: Context) -> Check:
    return lambda value: {"size": customer_rules.parse_size(value) if value.strip() else None}


def _competitors(_ctx: Context) -> Check:
    return lambda value: {"competitors": field_rules.text("customers", "competitors",
                                                          ", ".join(customer_rules.split_list(value)),
                                                          field="competitors")}


def _customer_name(_ctx: Context) -> Check:
    def check(value: str) -> dict[str, Any]:
        name = field_rules.required_text("customers", "name", value, field="name")
        return {"name": name, "name_key": name_key(name)}
    return check


def _customer_ref(ctx: Context) -> Check:
    """A contact's customer: its id, or its name (as the export writes both, the id wins)."""
    def mine(customer_id: int) -> dict[str, Any]:
        owner = ctx.customer_owners.get(customer_id)
        if ctx.restricted and owner is not None and owner != ctx.actor_id:
            raise InputError(_("{field}: customer {id} belongs to another rep; only its owner or a manager can add "
                               "its contacts").format(field="customer", id=customer_id))
        return {"customer_id": customer_id}

    def check(value: str) -> dict[str, Any]:
        text = value.strip()
        if text.isdigit() and int(text) in ctx.customer_ids:
            return mine(int(text))
        key = name_key(text)
        if key in ctx.customers:
            return mine(ctx.customers[key])
        raise InputError(_("{field}: no customer {text!r} (give its id or exact name)").format(field="customer",
                                                                                               text=text))
    return check


def _sku(_ctx: Context) -> Check:
    return lambda value: {"sku": parse_sku(value, field="sku")}


def _lead_time(_ctx: Context) -> Check:
    return lambda value: {"lead_time_days": parse_lead_time(value) if value.strip() else 0}


def _active(_ctx: Context) -> Check:
    def check(value: str) -> dict[str, Any]:
        text = value.strip().lower()
        if text in ("", "1", "true", "yes", "y", "是", "active"):
            return {"active": True}
        if text in ("0", "false", "no", "n", "否", "inactive"):
            return {"active": False}
        raise InputError(_("{field}: {text!r} is not yes or no").format(field="active", text=value))
    return check


COMMON_ALIASES = {
    "姓名": "name", "名字": "name", "联系人": "name", "full_name": "name", "邮箱": "email", "电子邮件": "email",
    "邮件": "email", "e-mail": "email", "mail": "email", "email_address": "email", "电话": "phone", "手机": "phone",
    "手机号": "phone", "手机号码": "phone", "联系电话": "phone", "mobile": "phone", "mobile_no": "phone",
    "phone_number": "phone", "tel": "phone", "telephone": "phone", "城市": "city", "职位": "title", "职务": "title",
    "备注": "notes", "负责人": "owner", "销售": "owner", "创建时间": "created_at", "行业": "industry",
}

SPECS: dict[str, Spec] = {
    "leads": Spec(
        entity="leads", table="leads",
        fields={"name": _text("leads", "name"), "company": _text("leads", "company"), "title": _text("leads", "title"),
                "email": _email, "phone": _phone, "city": _text("leads", "city"), "source": _source,
                "status": _lead_status, "owner": _owner, "follow_up": _day("follow_up"),
                "notes": _text("leads", "notes"), "lost_reason": _text("leads", "lost_reason"),
                "created_at": _moment("created_at")},
        required=("name", "source"), keys={"email": ("email_key", "email_key"), "phone": ("phone_key", "phone_key"),
                                            "name": ("name", "name")},
        default_keys=("email", "phone"),
        ignored=frozenset({"id", "score", "customer_id", "deal_id", "updated_at", "closed_at"}),
        aliases={**COMMON_ALIASES, "公司": "company", "公司名称": "company", "单位": "company", "来源": "source",
                 "渠道": "source", "状态": "status", "跟进日期": "follow_up", "下次跟进": "follow_up",
                 "丢失原因": "lost_reason"},
        defaults={"status": "new"}),
    "customers": Spec(
        entity="customers", table="customers",
        fields={"name": _customer_name, "industry": _industry, "size": _size,
                "city": _text("customers", "city"), "region": _text("customers", "region"), "budget": _money("budget"),
                "preferences": _text("customers", "preferences"), "competitors": _competitors,
                "owner": _owner, "notes": _text("customers", "notes"), "created_at": _moment("created_at"),
                "legal_name": _text("customers", "legal_name"), "address": _text("customers", "address"),
                "tax_id": _tax_id},
        required=("name",), keys={"name": ("name_key", "name_key")}, default_keys=("name",),
        ignored=frozenset({"id", "tier", "updated_at", "contacts"}),
        aliases={**COMMON_ALIASES, "客户": "name", "客户名称": "name", "公司": "name", "公司名称": "name",
                 "规模": "size", "人数": "size", "预算": "budget", "地区": "region", "省份": "region",
                 "竞争对手": "competitors", "竞品": "competitors", "偏好": "preferences", "单位全称": "legal_name",
                 "开票名称": "legal_name", "公司全称": "legal_name", "地址": "address", "公司地址": "address",
                 "税号": "tax_id", "纳税人识别号": "tax_id", "统一社会信用代码": "tax_id"}),
    "contacts": Spec(
        entity="contacts", table="contacts",
        fields={"customer": _customer_ref, "name": _text("contacts", "name"), "title": _text("contacts", "title"),
                "email": _email, "phone": _phone, "created_at": _moment("created_at")},
        required=("customer", "name"), keys={"email": ("email_key", "email_key"), "phone": ("phone_key", "phone_key")},
        default_keys=("email", "phone"), ignored=frozenset({"id"}),
        aliases={**COMMON_ALIASES, "customer_id": "customer", "客户": "customer", "客户名称": "customer",
                 "公司": "customer", "name": "name"},
        scope_key="customer_id"),
    "products": Spec(
        entity="products", table="products",
        fields={"sku": _sku, "name": _text("products", "name"), "category": _text("products", "category"),
                "price": _money("price", required=True), "cost": _money("cost", required=True),
                "lead_time_days": _lead_time, "active": _active,
                "description": _text("products", "description"), "spec": _text("products", "spec"),
                "unit": _text("products", "unit"), "created_at": _moment("created_at")},
        required=("sku", "name", "price", "cost"), keys={"sku": ("sku", "sku")}, default_keys=("sku",),
        ignored=frozenset({"id", "margin", "updated_at"}),
        aliases={"编号": "sku", "货号": "sku", "产品编号": "sku", "名称": "name", "品名": "name", "产品名称": "name",
                 "类别": "category", "分类": "category", "价格": "price", "单价": "price", "售价": "price",
                 "成本": "cost", "交期": "lead_time_days", "交货期": "lead_time_days", "lead_time": "lead_time_days",
                 "状态": "active", "描述": "description", "说明": "description", "创建时间": "created_at",
                 "规格": "spec", "规格型号": "spec", "型号": "spec", "单位": "unit", "计量单位": "unit"}),
}


def _word(name: str) -> Callable[[Context], Check]:
    """A short code as written (an order or a token), trimmed; the service looks it up."""
    return lambda _ctx: lambda value: {name: value.strip() or None}


def _lower(name: str) -> Callable[[Context], Check]:
    """A status name, trimmed and lower-cased; the service checks it against its state machine."""
    return lambda _ctx: lambda value: {name: value.strip().lower() or None}


def _when(name: str) -> Callable[[Context], Check]:
    """A moment, or None when the cell is empty (the service then uses now, and knows no date was given)."""
    def make(ctx: Context) -> Check:
        return lambda value: {name: parse_datetime(value, now=ctx.now, field=name) if value.strip() else None}
    return make


def _parsed(name: str, parse: Callable[[str], Any]) -> Callable[[Context], Check]:
    """A value parsed by a command-line rule (whose messages name ``--nps``, ``customer id``...), named by its
    column here; None when the cell is empty."""
    def make(_ctx: Context) -> Check:
        def check(value: str) -> dict[str, Any]:
            if not value.strip():
                return {name: None}
            try:
                return {name: parse(value)}
            except InputError as error:
                raise InputError(f"{name}: {error.message.partition(': ')[2] or error.message}") from None
        return check
    return make


def _nps(value: str) -> int:
    from salescli.domain.surveys import parse_nps

    return parse_nps(value)


def _csat(value: str) -> int:
    from salescli.domain.surveys import parse_csat

    return parse_csat(value)


def _customer_id(value: str) -> int:
    from salescli.services.ids import parse_id

    return parse_id(value, "customer")


#: The small imports (``order import-status``, ``survey import``): each row is applied through the service, as
#: its command would (an order moves several times in one file), but read, mapped and checked by the same rules as
#: a batch import (importers/batches.checked_records). ``table`` names where their text rules live.
UPDATES: dict[str, Spec] = {
    "order status": Spec(
        entity="order status updates", table="order_events",
        fields={"order": _word("order"), "status": _lower("status"), "date": _when("date"),
                "note": _text("order_events", "note")},
        required=("order", "status"), keys={}, default_keys=(), ignored=frozenset(),
        aliases={"订单": "order", "订单号": "order", "单号": "order", "状态": "status", "日期": "date",
                 "时间": "date", "备注": "note"}),
    "survey responses": Spec(
        entity="survey responses", table="surveys",
        fields={"token": _word("token"), "order": _word("order"), "customer": _parsed("customer", _customer_id),
                "nps": _parsed("nps", _nps), "csat": _parsed("csat", _csat),
                "comment": _text("surveys", "comment"), "date": _when("date")},
        required=(), keys={}, default_keys=(), ignored=frozenset(),
        aliases={"订单": "order", "订单号": "order", "客户": "customer", "customer_id": "customer",
                 "评论": "comment", "意见": "comment", "备注": "comment", "日期": "date", "时间": "date",
                 "满意度": "csat"}),
}


def normalize_header(text: str) -> str:
    return text.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def resolve_headers(headers: list[str], spec: Spec, mapping: Mapping[str, str], *,
                    source: object = None) -> tuple[dict[str, str], list[str]]:
    """File header → field, using --map first, then the field names, then the aliases. Returns the mapping
    (a header mapped to '-' is dropped) and the headers nobody recognizes.

    A --map key written exactly as a header of the file (after trimming) applies to that header only, so
    ``--map 'Name=-'`` drops ``Name`` and keeps ``name``; any other key matches headers case- and
    space-insensitively. Two headers that end up on the same field (``Name,name``, ``姓名,name``, or a --map onto
    a field the file already has) are refused: keeping either would drop the other column silently. The one
    exception is an export's own pair of a reference, ``customer_id`` next to ``customer``: the id column is
    left out unless --map names it, as ids differ between databases and names do not. ``source`` (the file)
    prefixes the message."""
    out: dict[str, str] = {}
    unknown: list[str] = []
    stripped = {h.strip() for h in headers}
    keys = {normalize_header(h) for h in headers}
    exact = {k.strip(): v.strip() for k, v in mapping.items() if k.strip() in stripped}
    explicit = {normalize_header(k): v.strip() for k, v in mapping.items() if k.strip() not in stripped}
    owner: dict[str, str] = {}  # field → the header that fills it
    for header in headers:
        key = normalize_header(header)
        target = exact.get(header.strip()) or explicit.get(key)
        if target is None and key.endswith("_id") and key[:-3] in spec.fields and key[:-3] in keys:
            continue  # the id of a reference whose name column is there too (an export)
        target = target or (key if key in spec.fields else None) or spec.aliases.get(key) or \
            spec.aliases.get(header.strip())
        if target == "-" or (target is None and key in spec.ignored):
            continue
        if target is None:
            unknown.append(header)
        elif target not in spec.fields:
            raise InputError(_("--map: {header}={target}: {target!r} is not a {entity} field (one of {fields})")
                             .format(header=header, target=target, entity=spec.entity, fields=", ".join(spec.fields)))
        elif target in owner:
            names = {"first": owner[target].strip(), "second": header.strip(), "field": target,
                     "header": header.strip()}
            if source is not None:
                raise InputError(_("{source}: columns {first!r} and {second!r} both map to {field}; nothing imported "
                                   "(keep one: --map '{header}=-' drops a column, --map '{header}=FIELD' sends it "
                                   "elsewhere)").format(source=source, **names))
            raise InputError(_("columns {first!r} and {second!r} both map to {field}; nothing imported (keep one: "
                               "--map '{header}=-' drops a column, --map '{header}=FIELD' sends it elsewhere)")
                             .format(**names))
        else:
            owner[target] = header
            out[header] = target
    return out, unknown



# -- column-wise checks (the import's hot path) ------------------------------------------------------------
# A batch check takes one column of cell texts and returns the stored columns (lists as long as the input) and
# the failures as (row index, message). The generic one runs the field's scalar check on every cell; the
# common fields have faster ones that give exactly the same results.

ColumnCheck = Callable[[list[str]], tuple[dict[str, list[Any]], list[tuple[int, str]]]]
_FOLD = "\ue000"  # joins a column for one C-level scan; a private-use character no check refuses


def columnwise(check: Check) -> ColumnCheck:
    def run(values: list[str]) -> tuple[dict[str, list[Any]], list[tuple[int, str]]]:
        results: list[dict[str, Any] | None] = []
        errors: list[tuple[int, str]] = []
        for i, value in enumerate(values):
            try:
                results.append(check(value))
            except InputError as error:
                results.append(None)
                errors.append((i, error.message))
        keys = next((list(r) for r in results if r is not None), [])
        return {k: [r[k] if r is not None else None for r in results] for k in keys}, errors
    return run


def _text_column(name: str, max_len: int, multiline: bool, required: bool, check: Check) -> ColumnCheck:
    """Strip every cell; one regex scan over the joined column finds control characters, one max() finds
    over-long cells; only a column with a problem is checked cell by cell (for the messages)."""
    from salescli.domain.identity import CONTROL_CHARS, INVISIBLE_CHARS

    def run(values: list[str]) -> tuple[dict[str, list[Any]], list[tuple[int, str]]]:
        stripped = list(map(str.strip, values))
        joined = _FOLD.join(stripped)
        if multiline:
            joined = joined.replace("\r", "").replace("\n", "").replace("\t", "")
        clean = (not CONTROL_CHARS.search(joined) and not INVISIBLE_CHARS.search(joined)
                 and (not stripped or max(map(len, stripped)) <= max_len))
        if clean and (not required or all(stripped)):
            return {name: stripped if "" not in stripped else [s or None for s in stripped]}, []
        return columnwise(check)(values)
    return run


def _email_column(ctx: Context) -> ColumnCheck:
    """The whole column at once when every address is plain lower-case ASCII of the simple kind (one C-level
    regex over the joined column: the address is then its own key); otherwise the cell-by-cell check. The limits
    are normalize_email's (tests/test_structure_keys.py holds the two to the same answers)."""
    import re

    from salescli.domain.identity import SIMPLE_EMAIL, SPECIAL_TLDS

    cellwise = columnwise(_email(ctx))
    whole = re.compile(rf"(?:(?:{SIMPLE_EMAIL.pattern})?\n)*(?:{SIMPLE_EMAIL.pattern})?")

    def run(values: list[str]) -> tuple[dict[str, list[Any]], list[tuple[int, str]]]:
        joined = "\n".join(values)
        if (joined.isascii() and joined == joined.lower() and " " not in joined and "--" not in joined
                and whole.fullmatch(joined) and max(map(len, values), default=0) <= field_rules.EMAIL_LEN
                and not any(f".{tld}\n" in joined + "\n" for tld in SPECIAL_TLDS)
                and not any(len(v.partition("@")[0]) > 64 for v in values if len(v) > 64)):
            cells: list[Any] = values if "" not in values else [v or None for v in values]
            return {"email": cells, "email_key": cells}, []
        return cellwise(values)
    return run


def _phone_column(ctx: Context) -> ColumnCheck:
    """The whole column at once when every number is a plain Chinese mobile (its key is the country code and the
    number: domain/identity.py's CN_MOBILE and CN_PREFIX, the rule normalize_phone keys by); otherwise cell by
    cell."""
    import re

    from salescli.domain.identity import CN_MOBILE, CN_PREFIX

    cellwise = columnwise(_phone(ctx))
    china = ctx.region == "CN"
    whole = re.compile(rf"(?:(?:{CN_MOBILE})?\n)*(?:{CN_MOBILE})?")
    prefix = CN_PREFIX

    def run(values: list[str]) -> tuple[dict[str, list[Any]], list[tuple[int, str]]]:
        if china and whole.fullmatch("\n".join(values)):
            if "" not in values:  # the usual case, in C
                return {"phone": values, "phone_key": list(map(prefix.__add__, values))}, []
            return ({"phone": [v or None for v in values], "phone_key": [prefix + v if v else None for v in values]},
                    [])
        return cellwise(values)
    return run


def column_check(spec: Spec, name: str, ctx: Context) -> ColumnCheck:
    """The fastest correct column check for a field of ``spec``."""
    factory = spec.fields[name]
    scalar = factory(ctx)
    if factory is _email:
        return _email_column(ctx)
    if factory is _phone:
        return _phone_column(ctx)
    rule = _TEXT_RULES.get((spec.table, name))
    if rule is not None:
        return _text_column(name, rule.max_len, rule.multiline, rule.required, scalar)
    if factory in (_source, _lead_status, _industry):
        known: dict[str, Any] = {}  # cell text → stored value, for the few distinct values such columns have

        def lookup(values: list[str]) -> tuple[dict[str, list[Any]], list[tuple[int, str]]]:
            out = list(map(known.get, values))
            if None not in out:
                return {name: out}, []
            errors: list[tuple[int, str]] = []
            for i, value in enumerate(values):
                if out[i] is None:
                    try:
                        out[i] = known[value] = scalar(value)[name]
                    except InputError as error:
                        errors.append((i, error.message))
            return {name: out}, errors
        return lookup
    return columnwise(scalar)


def finish_columns(spec: Spec, columns: dict[str, list[Any]], n: int, ctx: Context) -> None:
    """Computed columns for a batch (score, tier, timestamps, defaults), a whole column at a time."""
    now = [ctx.now] * n
    if "owner" in spec.fields and ctx.actor_id is not None:  # rows nobody was given to belong to who imports them
        owners = columns.get("owner_id")
        columns["owner_id"] = ([ctx.actor_id] * n if owners is None
                               else [ctx.actor_id if o is None else o for o in owners])
    created = columns.setdefault("created_at", now)
    if spec.entity in ("leads", "customers", "products"):
        columns["updated_at"] = created
    if spec.entity == "leads":
        columns.setdefault("status", ["new"] * n)
        columns["score"] = lead_rules.scores(columns["source"], columns.get("company", [None] * n),
                                             columns.get("email", [None] * n), columns.get("phone", [None] * n),
                                             columns["status"])
    elif spec.entity == "customers":
        from salescli.domain.money import from_minor

        none = [None] * n
        columns["tier"] = [customer_rules.tier(budget=from_minor(b), size=s, industry=i, competitors=c,
                                               target_industries=ctx.targets)
                           for b, s, i, c in zip(columns.get("budget_minor", none), columns.get("size", none),
                                                 columns.get("industry", none), columns.get("competitors", none),
                                                 strict=True)]
    elif spec.entity == "products":
        columns.setdefault("active", [True] * n)
        columns.setdefault("lead_time_days", [0] * n)
