"""Events: what a change in the audit log means to the world outside (issue 20). Pure Python, no database.

One table (``RULES``) maps an audit entry's (entity, action, before, after) to the stable event names; the event's
JSON shape is ``{"event", "at", "actor", "record"}`` (``payload``); ``message`` words it for a group chat (Chinese by
default), and the robot bodies and signatures of WeCom, DingTalk and Feishu are built here too.

Three events are not changes but the passing of time (``TIMED``): an order past its promised day, a ticket past its
SLA, a rep's target reached. ``salescli hook tick`` and ``today`` raise them, once per record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from salescli.errors import InputError
from salescli.i18n import _

#: Every event a hook can subscribe to, in the order of the sales process (the documented list: stable names).
EVENTS: tuple[str, ...] = (
    "lead.created", "lead.converted", "deal.stage_changed", "deal.won", "deal.lost", "quote.needs_approval",
    "quote.approved", "quote.sent", "quote.accepted", "contract.signed", "order.status_changed", "order.late",
    "ticket.opened", "ticket.breached", "survey.answered", "target.attained")
#: Raised by the passing of time (hook tick, today), once per record.
TIMED: tuple[str, ...] = ("order.late", "ticket.breached", "target.attained")
#: Subscribes to every event.
ALL = "*"
#: Where a hook sends its events.
KINDS: tuple[str, ...] = ("wecom", "dingtalk", "feishu", "json", "run")
LANGUAGES: tuple[str, ...] = ("zh", "en")

Change = Mapping[str, Any]
Condition = Callable[[Change, Change, Mapping[str, Any]], bool]  # (before, after, record) -> raise it?


@dataclass(frozen=True, slots=True)
class Rule:
    """An audit entry of ``entity`` whose action is ``action`` (the part before any ':', so ``status:shipped`` is
    ``status``) raises ``event`` when ``when`` holds (given before, after and the record as it now is)."""

    entity: str
    action: str
    event: str
    when: Condition | None = None
    needs_record: bool = False  # whether ``when`` looks at the record (loaded only if someone subscribed)


def _won(before: Change, after: Change, record: Mapping[str, Any]) -> bool:
    return after.get("stage") == "won"


def _needs_approval(before: Change, after: Change, record: Mapping[str, Any]) -> bool:
    return bool(record.get("needs_approval")) and not record.get("approved")


RULES: tuple[Rule, ...] = (
    Rule("lead", "create", "lead.created"),
    Rule("lead", "convert", "lead.converted"),
    Rule("deal", "stage", "deal.stage_changed"),
    Rule("deal", "lose", "deal.stage_changed"),
    Rule("deal", "stage", "deal.won", _won),
    Rule("deal", "lose", "deal.lost"),
    Rule("quote", "create", "quote.needs_approval", _needs_approval, needs_record=True),
    Rule("quote", "revise", "quote.needs_approval", _needs_approval, needs_record=True),
    Rule("quote", "approve", "quote.approved"),
    Rule("quote", "sent", "quote.sent"),
    Rule("quote", "accepted", "quote.accepted"),
    Rule("contract", "sign", "contract.signed"),
    Rule("order", "status", "order.status_changed"),
    Rule("ticket", "open", "ticket.opened"),
    Rule("survey", "response", "survey.answered"),
)
_BY_CHANGE: dict[tuple[str, str], tuple[Rule, ...]] = {}
for _rule in RULES:
    _BY_CHANGE[(_rule.entity, _rule.action)] = (*_BY_CHANGE.get((_rule.entity, _rule.action), ()), _rule)
assert {r.event for r in RULES} | set(TIMED) == set(EVENTS)


def rules_for(entity: str, action: str) -> tuple[Rule, ...]:
    """The rules an audit entry may raise (cheap: one dict lookup; most entries raise none)."""
    return _BY_CHANGE.get((entity, action.partition(":")[0]), ())


def parse_events(text: str) -> tuple[str, ...]:
    """``deal.won,quote.needs_approval`` (or ``*`` for all) → the names, checked, in the documented order."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise InputError(_("{field}: give one or more of {events} (comma-separated), or '*' for all").format(
            field="EVENTS", events=", ".join(EVENTS)))
    if ALL in names:
        return (ALL,)
    unknown = [name for name in names if name not in EVENTS]
    if unknown:
        raise InputError(_("{field}: {name!r} is not an event (one of {events}, or '*')").format(
            field="EVENTS", name=unknown[0], events=", ".join(EVENTS)))
    return tuple(name for name in EVENTS if name in names)


def subscribed(events: str, event: str) -> bool:
    """Whether a hook's stored event list (comma-separated, or ``*``) takes ``event``."""
    names = events.split(",")
    return ALL in names or event in names


# -- the event itself --------------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Money as a string with two decimals, dates and moments ISO, nested records kept."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def payload(event: str, *, at: datetime, actor: str | None, record: Mapping[str, Any]) -> dict[str, Any]:
    """The event as every hook receives it (``json`` and ``--run`` hooks get exactly this)."""
    return {"event": event, "at": jsonable(at), "actor": actor, "record": jsonable(record)}


def dedupe_key(event: str, record_key: object) -> str:
    """The key that makes a timed event happen once per record (``order.late:SO-2026-0001``)."""
    return f"{event}:{record_key}"[:120]


# -- words for people ----------------------------------------------------------------------------------------------

_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}
_STAGES = {"zh": {"qualification": "资格确认", "needs_confirmed": "需求确认", "demo": "产品演示",
                  "proposal": "方案报价", "negotiation": "商务谈判", "won": "赢单", "lost": "丢单"}}
_STATUSES = {"zh": {"submitted": "已提交", "confirmed": "已确认", "in_production": "生产中", "shipped": "已发货",
                    "delivered": "已交付", "closed": "已关闭", "cancelled": "已取消"}}
_PRIORITIES = {"zh": {"low": "低", "normal": "普通", "high": "高", "urgent": "紧急"}}
# text from records goes into markdown: no markup, links, mentions or new lines of its own
_MARKUP = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "｀", "#": "＃", "_": "＿",
                         "|": "｜", "\r": " ", "\n": " ", "\t": " "})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def money(value: Any, currency: str | None = "CNY") -> str:
    """``¥123,456.00`` (a currency without a symbol: ``SGD 1,000.00``); empty when unknown."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    code = (currency or "CNY").upper()
    symbol = _SYMBOLS.get(code)
    return f"{symbol}{amount:,.2f}" if symbol else f"{code} {amount:,.2f}"


def _clean(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else \
        value.isoformat() if isinstance(value, date) else str(value)
    return _CONTROL.sub("", text).translate(_MARKUP).strip()


def _label(table: dict[str, dict[str, str]], lang: str, key: Any) -> str:
    return table.get(lang, {}).get(str(key), _clean(key))


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    text: str


_ZH: dict[str, tuple[str, str]] = {
    "lead.created": ("新线索", "🆕 新线索：{name}{company_paren}，来源 {source}，负责人 {owner_name}"),
    "lead.converted": ("线索转化", "🔁 线索转商机：{name}{company_paren} → 商机 #{deal_id}"),
    "deal.stage_changed": ("商机阶段", "📈 商机 #{id}「{title}」{customer_paren}：{previous_stage} → {stage}"),
    "deal.won": ("赢单", "🎉 {owner_name} 赢单：{customer} {value}"),
    "deal.lost": ("丢单", "💔 {owner_name} 丢单：{customer}「{title}」，原因：{lost_reason}"),
    "quote.needs_approval": ("报价待审批",
                             "📝 报价 {number} 第 {revision} 版待审批：{customer} {total}（{approval_reason}）"),
    "quote.approved": ("报价已审批", "✅ 报价 {number} 已审批：{customer} {total}"),
    "quote.sent": ("报价已发送", "📤 报价 {number} 已发送：{customer} {total}"),
    "quote.accepted": ("报价已接受", "🤝 报价 {number} 已接受：{customer} {total}"),
    "contract.signed": ("合同签署", "✍️ 合同 {number} 已签署：{customer} {total}，签署人 {signed_by}"),
    "order.status_changed": ("订单状态", "🚚 订单 {number}{customer_paren}：{previous_status} → {status}"),
    "order.late": ("订单逾期", "⏰ 订单 {number}{customer_paren} 已逾期：承诺交期 {promised}，当前 {status}"),
    "ticket.opened": ("新工单", "🛠️ 新工单 #{id}【{priority}】{customer}：{subject}"),
    "ticket.breached": ("工单超时", "🚨 工单 #{id} 已超出 SLA（截止 {sla_due_at}）：{customer}：{subject}"),
    "survey.answered": ("客户评价", "⭐ 客户评价 {customer}：NPS {nps}，CSAT {csat}{comment_sep}{comment}"),
    "target.attained": ("目标达成", "🏆 {rep_name} 完成 {period} 目标：{revenue} / {target}"),
}
_EN: dict[str, tuple[str, str]] = {
    "lead.created": ("New lead", "🆕 New lead: {name}{company_paren}, source {source}, owner {owner_name}"),
    "lead.converted": ("Lead converted", "🔁 Lead converted: {name}{company_paren} → deal #{deal_id}"),
    "deal.stage_changed": ("Deal stage", "📈 Deal #{id} \"{title}\"{customer_paren}: {previous_stage} → {stage}"),
    "deal.won": ("Deal won", "🎉 {owner_name} won: {customer} {value}"),
    "deal.lost": ("Deal lost", "💔 {owner_name} lost: {customer} \"{title}\", reason: {lost_reason}"),
    "quote.needs_approval": ("Quote needs approval",
                             "📝 Quote {number} revision {revision} needs approval: {customer} {total} "
                             "({approval_reason})"),
    "quote.approved": ("Quote approved", "✅ Quote {number} approved: {customer} {total}"),
    "quote.sent": ("Quote sent", "📤 Quote {number} sent: {customer} {total}"),
    "quote.accepted": ("Quote accepted", "🤝 Quote {number} accepted: {customer} {total}"),
    "contract.signed": ("Contract signed", "✍️ Contract {number} signed: {customer} {total}, by {signed_by}"),
    "order.status_changed": ("Order status", "🚚 Order {number}{customer_paren}: {previous_status} → {status}"),
    "order.late": ("Order late", "⏰ Order {number}{customer_paren} is late: promised {promised}, now {status}"),
    "ticket.opened": ("New ticket", "🛠️ New ticket #{id} [{priority}] {customer}: {subject}"),
    "ticket.breached": ("SLA breached", "🚨 Ticket #{id} breached its SLA ({sla_due_at}): {customer}: {subject}"),
    "survey.answered": ("Survey answered", "⭐ Survey {customer}: NPS {nps}, CSAT {csat}{comment_sep}{comment}"),
    "target.attained": ("Target attained", "🏆 {rep_name} reached the {period} target: {revenue} / {target}"),
}


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def message(event: Mapping[str, Any], lang: str = "zh") -> Message:
    """The event in words for a group chat: one line, record text cleaned of markup and new lines."""
    name = str(event["event"])
    record: Mapping[str, Any] = event.get("record") or {}
    lang = lang if lang in LANGUAGES else "zh"
    title, template = (_ZH if lang == "zh" else _EN)[name]
    currency = record.get("currency")
    fields = _Fields({key: _clean(value) for key, value in record.items() if not isinstance(value, (dict, list))})
    for key in ("value", "total", "net", "revenue", "target"):
        if key in record:
            fields[key] = money(record[key], currency if isinstance(currency, str) else None)
    for key in ("stage", "previous_stage"):
        if key in record:
            fields[key] = _label(_STAGES, lang, record[key])
    for key in ("status", "previous_status"):
        if key in record and name.startswith("order."):
            fields[key] = _label(_STATUSES, lang, record[key])
    if "priority" in record:
        fields["priority"] = _label(_PRIORITIES, lang, record["priority"])
    for key in ("owner_name", "rep_name"):
        if not fields[key]:
            fields[key] = fields[key.replace("_name", "")] or ("（无人）" if lang == "zh" else "(nobody)")
    for key in ("company", "customer"):
        fields[f"{key}_paren"] = (f"（{fields[key]}）" if lang == "zh" else f" ({fields[key]})") if fields[key] else ""
    fields["comment_sep"] = ("，" if lang == "zh" else ", ") if fields["comment"] else ""
    for key in ("nps", "csat", "lost_reason"):
        fields[key] = fields[key] or "-"
    return Message(title, template.format_map(fields).strip())


# -- what each platform's robot takes ---------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk robot signing: base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote(base64.b64encode(digest).decode(), safe="")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu custom bot signing: base64(HMAC-SHA256(key="timestamp\\nsecret", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def json_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """A ``json`` hook with a secret: ``sha256=`` hex HMAC-SHA256(key=secret, msg="timestamp." + body)."""
    return "sha256=" + hmac.new(secret.encode(), str(timestamp_s).encode() + b"." + body, hashlib.sha256).hexdigest()


def robot_body(kind: str, msg: Message, *, sign: tuple[int, str] | None = None) -> dict[str, Any]:
    """The JSON body for a WeCom, DingTalk or Feishu group robot. ``sign``: Feishu's (timestamp, signature)."""
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": f"**{msg.title}**\n{msg.text}"}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": msg.title, "text": f"#### {msg.title}\n\n{msg.text}"}}
    if kind == "feishu":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": msg.text}}
        if sign is not None:
            body = {"timestamp": str(sign[0]), "sign": sign[1], **body}
        return body
    raise ValueError(kind)


def signed_url(url: str, timestamp_ms: int, sign: str) -> str:
    """DingTalk: the signature goes in the URL's query (``&timestamp=...&sign=...``)."""
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


# -- webhook URLs ---------------------------------------------------------------------------------------------------

URL_LEN = 2000
_LONG_SEGMENT = 16  # a path segment this long is a token (Feishu puts it in the path)


def parse_url(text: str) -> str:
    """A webhook URL: http(s), a host, no spaces or control characters, at most URL_LEN characters."""
    url = text.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InputError(_("--webhook: not a URL (expected https://HOST/PATH)")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(_("--webhook: must be an http:// or https:// URL with a host"))
    if len(url) > URL_LEN or re.search(r"[\s\x00-\x1f\x7f]", url):
        raise InputError(_("--webhook: must be at most {most} characters, without spaces or control characters")
                         .format(most=URL_LEN))
    del port
    return url


def display_url(url: str | None) -> str:
    """A webhook URL fit to print: the tokens in it hidden (query values, a long last path segment, a password)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path
    head, _sep, last = path.rpartition("/")
    if len(last) >= _LONG_SEGMENT:
        path = f"{head}/***"
    query = "&".join(f"{pair.partition('=')[0]}=***" for pair in parts.query.split("&") if pair)
    return urlunsplit((parts.scheme, host, path, query, ""))


def hide(text: str, secrets: tuple[str | None, ...]) -> str:
    """``text`` with every secret (and URL) in it replaced: for error lines and logs."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
