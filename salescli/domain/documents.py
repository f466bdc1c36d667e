"""What a customer's document says: a quote or contract laid out as plain, formatted text in one language (zh, en
or bilingual), from plain records. The HTML, Markdown and PDF renderers (``salescli/documents.py``) all print this
one model, so the three formats carry the same words and numbers; internal notes and statuses never reach it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from salescli.domain.money import in_capitals
from salescli.errors import InputError
from salescli.i18n import _

LANGUAGES = ("zh", "en", "bilingual")

#: every label a document prints, as (Chinese, English); bilingual documents print both
LABELS: dict[str, tuple[str, str]] = {
    "quote": ("报价单", "Quotation"),
    "contract": ("销售合同", "Sales Contract"),
    "number": ("编号", "No."),
    "revision": ("版本", "Revision"),
    "date": ("日期", "Date"),
    "valid_until": ("有效期至", "Valid until"),
    "quote_ref": ("依据报价单", "Per quotation"),
    "seller": ("卖方", "Seller"),
    "buyer": ("买方", "Buyer"),
    "address": ("地址", "Address"),
    "phone": ("电话", "Phone"),
    "email": ("邮箱", "Email"),
    "tax_id": ("纳税人识别号", "Tax ID"),
    "bank": ("开户行", "Bank"),
    "account": ("账号", "Account"),
    "contact": ("联系人", "Contact"),
    "line_no": ("序号", "#"),
    "sku": ("货号", "SKU"),
    "item": ("品名及规格", "Item and specification"),
    "qty": ("数量", "Qty"),
    "unit": ("单位", "Unit"),
    "unit_price": ("单价", "Unit price"),
    "line_discount": ("折扣", "Disc."),
    "amount": ("金额", "Amount"),
    "subtotal": ("小计", "Subtotal"),
    "discount": ("折扣", "Discount"),
    "net": ("不含税金额", "Net"),
    "tax": ("税额", "Tax"),
    "total": ("含税合计", "Total"),
    "in_capitals": ("大写金额", "Amount in words"),
    "payment_terms": ("付款方式", "Payment terms"),
    "delivery_terms": ("交货方式", "Delivery terms"),
    "delivery_date": ("交货日期", "Delivery date"),
    "terms": ("合同条款", "Terms and conditions"),
    "remarks": ("备注", "Remarks"),
    "seller_sign": ("卖方（盖章）", "Seller (company seal)"),
    "buyer_sign": ("买方（盖章）", "Buyer (company seal)"),
    "signature": ("授权代表签字", "Authorized signature"),
    "sign_date": ("签字日期", "Date"),
    "draft": ("草稿", "DRAFT"),
    "void": ("已作废", "VOID"),
    "draft_note": ("草稿，未经审批，不作为正式报价", "Draft, not approved: not a binding offer"),
    "void_note": ("本文件已失效", "This document is no longer valid"),
    "quote_intro": ("感谢垂询，现报价如下：", "Thank you for your enquiry. We are pleased to quote as follows:"),
    "contract_intro": ("经双方协商一致，签订本合同如下：", "The parties agree as follows:"),
    "page": ("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
}


def parse_language(text: str | None, *, field: str = "--lang") -> str:
    value = (text or "").strip().lower()
    if value not in LANGUAGES:
        raise InputError(_("{field}: {text!r} is not zh, en or bilingual").format(field=field, text=text))
    return value


def labels(language: str) -> dict[str, str]:
    """Every label in ``language``: Chinese, English, or both ("报价单 Quotation")."""
    def pick(zh: str, en: str) -> str:
        return zh if language == "zh" else en if language == "en" else f"{zh} {en}"

    out = {key: pick(zh, en) for key, (zh, en) in LABELS.items()}
    if language == "bilingual":  # a page number reads once, not twice
        out["page"] = LABELS["page"][1]
    return out


@dataclass(frozen=True, slots=True)
class Party:
    """One side of the document, each line already labelled: ("地址", "上海市…")."""

    name: str
    lines: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Line:
    no: int
    sku: str
    name: str
    spec: str
    qty: str
    unit: str
    unit_price: str
    discount: str
    amount: str


@dataclass(frozen=True, slots=True)
class Document:
    kind: str  # quote | contract
    language: str
    label: Mapping[str, str]
    title: str
    meta: tuple[tuple[str, str], ...]  # number, revision, dates: labelled
    mark: str | None  # DRAFT / VOID shown across the page, or None
    mark_note: str | None
    intro: str
    seller: Party
    buyer: Party
    currency: str
    lines: tuple[Line, ...]
    totals: tuple[tuple[str, str], ...]
    total: tuple[str, str]
    in_capitals: str | None  # 大写金额, for amounts in CNY
    terms: tuple[tuple[str, str], ...]  # payment, delivery, date, clauses, remarks: labelled, non-empty only
    signatures: tuple[str, str]
    warnings: tuple[str, ...] = field(default=())  # what is missing (no seller name...), for the command to say

    @property
    def number(self) -> str:
        return self.meta[0][1]

    @property
    def colon(self) -> str:
        """Between a label and its text: a full-width colon in Chinese, ': ' otherwise."""
        return "：" if self.language == "zh" else ": "

    def characters(self) -> set[str]:
        """Every character the document prints (a PDF checks that its fonts cover all of them)."""
        texts: list[str] = [self.title, self.intro, self.currency, *self.label.values(), self.seller.name,
                            self.buyer.name, *self.signatures]
        texts += [t for pair in (*self.meta, *self.totals, self.total, *self.terms, *self.seller.lines,
                                 *self.buyer.lines) for t in pair]
        texts += [self.mark or "", self.mark_note or "", self.in_capitals or "", self.colon, " · -%()0123456789"]
        for line in self.lines:
            texts += [str(line.no), line.sku, line.name, line.spec, line.qty, line.unit, line.unit_price,
                      line.discount, line.amount]
        return {ch for text in texts for ch in text if not ch.isspace()}


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def percent(value: Decimal | None) -> str:
    return "" if value is None or value == 0 else f"{value.normalize():f}%"


def day(value: date | datetime | None, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日" if language == "zh" else value.isoformat()


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _party(name: str, rows: Sequence[tuple[str, Any]]) -> Party:
    return Party(name=name, lines=tuple((label, _text(value)) for label, value in rows if _text(value)))


def build(kind: str, record: Mapping[str, Any], *, seller: Mapping[str, Any], buyer: Mapping[str, Any],
          language: str) -> Document:
    """The document for a quote or contract ``record`` (services' ``quotes.record`` / ``contracts.get`` with
    ``lines`` carrying spec and unit). ``seller``: the team's company_* settings and the rep (name, email);
    ``buyer``: the customer's legal name, address, tax id and the contact (name, phone, email)."""
    if kind not in ("quote", "contract"):
        raise ValueError(kind)
    lab = labels(parse_language(language))
    warnings: list[str] = []
    meta: list[tuple[str, str]] = [(lab["number"], str(record["number"]))]
    if kind == "quote":
        meta += [(lab["revision"], str(record["revision"])), (lab["date"], day(record["created_at"], language)),
                 (lab["valid_until"], day(record["valid_until"], language))]
        status = str(record["status"])
        draft = status == "draft" or (bool(record.get("needs_approval")) and not record.get("approved"))
        void = status in ("superseded", "rejected", "expired")
    else:
        meta += [(lab["date"], day(record["created_at"], language)),
                 (lab["quote_ref"], f"{record['quote']} ({lab['revision']} {record['quote_revision']})")]
        status = str(record["status"])
        draft = status == "draft"
        void = status == "cancelled"
    mark = lab["void"] if void else lab["draft"] if draft else None
    mark_note = lab["void_note"] if void else lab["draft_note"] if draft and kind == "quote" else None

    company = _text(seller.get("company_name"))
    if not company:
        warnings.append("the seller's company name is not set: salescli config set company_name '…'")
    rep = _text(seller.get("rep_name"))
    seller_party = _party(company or "—", [
        (lab["address"], seller.get("company_address")), (lab["phone"], seller.get("company_phone")),
        (lab["tax_id"], seller.get("company_tax_id")), (lab["bank"], seller.get("company_bank")),
        (lab["account"], seller.get("company_account")),
        (lab["contact"], " ".join(x for x in (rep, _text(seller.get("rep_email"))) if x))])
    contact = " ".join(x for x in (_text(buyer.get("contact")), _text(buyer.get("contact_phone")),
                                   _text(buyer.get("contact_email"))) if x)
    buyer_party = _party(_text(buyer.get("legal_name")) or _text(buyer.get("name")) or "—", [
        (lab["address"], buyer.get("address")), (lab["tax_id"], buyer.get("tax_id")), (lab["contact"], contact)])

    lines = tuple(Line(no=n, sku=_text(line["sku"]), name=_text(line["name"]), spec=_text(line.get("spec")),
                       qty=f"{line['qty']:,}", unit=_text(line.get("unit")), unit_price=money(line["unit_price"]),
                       discount=percent(line.get("line_discount")), amount=money(line["net"]))
                  for n, line in enumerate(record["lines"], 1))
    currency = str(record["currency"])
    totals: list[tuple[str, str]] = [(lab["subtotal"], money(record["subtotal"]))]
    if record.get("discount"):
        totals.append((f"{lab['discount']} {percent(record.get('discount_pct'))}".strip(),
                       f"-{money(record['discount'])}"))
    totals += [(lab["net"], money(record["net"])),
               (f"{lab['tax']} {percent(record.get('tax_rate'))}".strip(), money(record["tax"]))]
    total = (f"{lab['total']} ({currency})", money(record["total"]))
    capitals = in_capitals(record["total"]) if currency == "CNY" else None

    terms = [(lab["payment_terms"], _text(record.get("payment_terms"))),
             (lab["delivery_terms"], _text(record.get("delivery_terms"))),
             (lab["delivery_date"], day(record.get("delivery_date"), language)),
             (lab["terms"], _text(record.get("terms"))), (lab["remarks"], _text(record.get("remarks")))]
    return Document(
        kind=kind, language=language, label=lab, title=lab[kind], meta=tuple(meta), mark=mark, mark_note=mark_note,
        intro=lab[f"{kind}_intro"], seller=seller_party, buyer=buyer_party, currency=currency, lines=lines,
        totals=tuple(totals), total=total, in_capitals=capitals,
        terms=tuple((label, value) for label, value in terms if value),
        signatures=(lab["seller_sign"], lab["buyer_sign"]), warnings=tuple(warnings))
