"""A realistic, deterministic sample data set: reps, customers (Chinese and English), contacts, leads with
activities and follow-ups, deals across the pipeline, a product catalog, confirmed needs and demos, quotes,
contracts, orders with their events, after-sales tickets and satisfaction surveys.

Loaded through the services, as the commands would: reps, customers, contacts, the catalog, targets, deals, quotes,
contracts, orders and tickets, each checked and audited. Leads are written in the state they reached (no service
creates a lead already contacted, lost or converted), their fields and identity keys cleaned by the leads service's
own rule (leads.clean_fields); so are their activities, the deals' earlier stage events, needs, demos and surveys
(measured: the whole sample stays under 3 s, benchmarks/sample.py).

Loaded once per database: a marker in the audit log makes a second run a no-op.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from salescli import models
from salescli.domain import customers as customer_rules
from salescli.domain import leads as lead_rules
from salescli.domain.identity import name_key
from salescli.domain.money import round_money, to_minor
from salescli.domain.needs import Item, Product, findings, list_value
from salescli.domain.pipeline import DEAL_OPEN
from salescli.domain.pricing import Policy
from salescli.services import customers, deals, leads, products, reps, targets
from salescli.services.audit import audit
from salescli.services.authz import Actor, acting_for, handle_of
from salescli.services.rows import insert_id

REPS = (
    ("chen.jing", "陈静", "chen.jing@example.cn", "manager"),
    ("wang.fang", "王芳", "wang.fang@example.cn", "rep"),
    ("li.wei", "李伟", "li.wei@example.cn", "rep"),
    ("zhang.min", "张敏", "zhang.min@example.cn", "rep"),
    ("emily.chen", "Emily Chen", "emily.chen@example.com", "rep"),
    ("james.liu", "James Liu", "james.liu@example.com", "rep"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "秀英",
         "华", "建国", "晓东", "雪梅", "志强", "海燕", "子涵", "浩然")
PINYIN = {"王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang",
          "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu", "胡": "hu",
          "郭": "guo", "何": "he", "林": "lin", "罗": "luo", "高": "gao"}
FIRST = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sophia", "Daniel", "Grace", "Henry",
         "Chloe", "Jack", "Hannah", "Ryan", "Zoe", "Owen", "Lily", "Adam")
LAST = ("Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark", "Lewis", "Walker", "Hall",
        "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter")
TITLES = ("采购经理", "总经理", "IT Director", "Operations Manager", "财务总监")
CN_CITIES = ("上海", "北京", "深圳", "广州", "杭州", "苏州", "成都", "武汉", "南京", "西安", "天津", "宁波")
EN_CITIES = ("Singapore", "Hong Kong", "Kuala Lumpur", "Sydney", "London", "Hamburg")
CN_WORDS = ("华信", "东方", "恒通", "宏达", "瑞丰", "新锐", "中科", "天成", "金桥", "长城", "鼎盛", "博远",
            "汇川", "启明", "正泰", "联创")
EN_WORDS = ("Northwind", "Bluepeak", "Silverline", "Redwood", "Ironbridge", "Brightwater", "Summit", "Evergreen",
            "Harbor", "Atlas", "Keystone", "Pioneer")
INDUSTRIES = {
    "manufacturing": ("精密机械", "Precision Manufacturing"), "retail": ("商贸", "Retail Group"),
    "healthcare": ("医疗科技", "Health"), "education": ("教育科技", "Learning"), "logistics": ("物流", "Logistics"),
    "software": ("软件", "Software"), "finance": ("金融服务", "Capital"), "energy": ("新能源", "Energy"),
    "construction": ("建设工程", "Construction"), "food": ("食品", "Foods"),
}
COMPETITORS = ("Salesforce", "HubSpot", "纷享销客", "销售易", "Zoho", "用友", "金蝶")
PREFERENCES = ("价格敏感", "重视售后服务", "需要本地化部署", "fast delivery", "prefers annual contracts",
               "需要开具增值税专用发票", "values integrations")
CALL_NOTES = ("初次电话沟通，对方有兴趣，约下周详谈", "Intro call; asked for pricing sheet", "发送了产品资料",
              "Met at booth, wants a demo for the ops team", "客户在比较竞品，关注交付周期", "Left voicemail",
              "采购经理确认今年有预算", "Follow-up email with case studies")
LOST_REASONS = ("no budget this year", "chose a competitor", "项目延期", "no response after 5 touches", "需求不匹配")
#: a deal lost for one of those words: the key of the team's lost reasons it falls under (the words are its note)
DEAL_LOST_REASONS = {"no budget this year": "budget", "chose a competitor": "competitor", "项目延期": "no_decision",
                     "no response after 5 touches": "no_decision", "需求不匹配": "other"}
PRODUCTS = (  # sku, name, category, price, cost, lead time days, active
    ("HW-GW-100", "工业物联网网关", "hardware", 1200, 700, 30, True),
    ("HW-GW-050", "旧款网关（停产）", "hardware", 800, 520, 20, False),
    ("HW-SRV-200", "边缘计算服务器", "hardware", 8000, 5200, 21, True),
    ("HW-SEN-10", "温湿度传感器", "hardware", 180, 90, 14, True),
    ("HW-CAM-4K", "4K 工业相机", "hardware", 3500, 2100, 28, True),
    ("HW-SCAN-PRO", "Barcode Scanner Pro", "hardware", 950, 560, 10, True),
    ("HW-RACK", "机柜套件", "hardware", 5000, 3800, 45, True),
    ("SW-CRM-STD", "CRM 标准版（年）", "software", 3000, 300, 0, True),
    ("SW-CRM-PRO", "CRM 专业版（年）", "software", 6800, 700, 0, True),
    ("SW-BI", "BI 数据分析模块", "software", 4500, 600, 0, True),
    ("SW-API", "API Integration Kit", "software", 2000, 200, 0, True),
    ("SV-IMPL", "实施服务（人天）", "service", 2500, 1500, 7, True),
    ("SV-TRAIN", "培训服务（场）", "service", 6000, 3000, 10, True),
    ("SV-SUP-GOLD", "金牌支持（年）", "service", 12000, 5000, 0, True),
)
OBJECTIONS = ("价格高于预算", "担心实施周期太长", "需要与用友 ERP 集成", "Asked about data residency", "竞品报价更低",
              "Worried about training time for 200 staff", "需要私有化部署", "交付时间能否提前到月底")
FEEDBACK = ("对数据看板很感兴趣", "liked the mobile app", "IT 部门需要再评估", "wants a pilot first",
            "反馈积极，等待预算审批")
SOURCE_WEIGHTS = (("referral", 12), ("exhibition", 18), ("web", 25), ("phone", 15), ("email", 12), ("social", 13),
                  ("other", 5))


@dataclass(frozen=True)
class Summary:
    reps: int
    customers: int
    contacts: int
    leads: int
    activities: int
    deals: int
    products: int
    needs: int
    demos: int
    quotes: int


def loaded_at(conn: Connection) -> datetime | None:
    A = models.audit_log
    row = conn.execute(select(A.c.at).where(A.c.entity == "sample", A.c.action == "load")).first()
    return row[0] if row else None


class _Maker:
    def __init__(self, seed: int, today: date) -> None:
        self.rnd = random.Random(seed)
        self.today = today
        self.used_phones: set[str] = set()

    def person(self) -> tuple[str, str]:
        """(display name, email local part)."""
        if self.rnd.random() < 0.7:
            surname, given = self.rnd.choice(SURNAMES), self.rnd.choice(GIVEN)
            return surname + given, f"{PINYIN[surname]}{self.rnd.randint(1, 999)}"
        first, last = self.rnd.choice(FIRST), self.rnd.choice(LAST)
        return f"{first} {last}", f"{first.lower()}.{last.lower()}"

    def company(self, industry: str) -> tuple[str, str]:
        """(company name, city)."""
        cn_word, en_word = INDUSTRIES[industry]
        if self.rnd.random() < 0.75:
            city = self.rnd.choice(CN_CITIES)
            return f"{city}{self.rnd.choice(CN_WORDS)}{cn_word}有限公司", city
        return f"{self.rnd.choice(EN_WORDS)} {en_word} Ltd", self.rnd.choice(EN_CITIES)

    @staticmethod
    def email(person: str, local: str) -> str:
        return f"{local}@{'example.cn' if ord(person[0]) > 127 else 'example.com'}"

    def phone(self) -> str:
        while True:
            number = f"1{self.rnd.choice('3589')}{self.rnd.randint(0, 9)}{self.rnd.randint(0, 99999999):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def moment(self, days_back_max: int, days_back_min: int = 0) -> datetime:
        day = self.today - timedelta(days=self.rnd.randint(days_back_min, days_back_max))
        return datetime.combine(day, time(self.rnd.randint(9, 18), self.rnd.choice((0, 15, 30, 45))))

    def source(self) -> str:
        return self.rnd.choices([s for s, _ in SOURCE_WEIGHTS], [w for _, w in SOURCE_WEIGHTS])[0]


def load(conn: Connection, *, today: date, seed: int = 20261129, n_customers: int = 200, n_leads: int = 1000,
         actor: Actor | None = None) -> Summary:
    """Insert the sample set in the caller's transaction (all or nothing): the reps, customers with their contacts,
    leads with their activities, the catalog and the reps' targets, then a deal for each converted lead, taken
    through the sales process. One seeded random stream feeds every step, in this order."""
    mk = _Maker(seed, today)
    now = datetime.combine(today, time(8, 0))
    sellers = _reps(conn, now)[1:]
    pool, contacts = _customers(conn, mk, sellers, n_customers)
    lead_rows = _new_leads(mk, pool, sellers, n_leads)
    activity_rows, convert = _work_leads(mk, lead_rows, today, now)
    lead_ids = _store_leads(conn, lead_rows, activity_rows)
    catalog = _load_products(conn, now)
    _targets(conn, sellers, today, now, mk)
    counts = _deals(conn, mk, [(lead_rows[i], lead_ids[i]) for i in convert], catalog, now)

    from salescli.services import search

    search.rebuild(conn)  # the records above were written directly: index them (salescli search) in this transaction
    audit(conn, at=now, rep=handle_of(actor), entity="sample", entity_id=str(seed), action="load",
          after={"customers": len(pool), "leads": len(lead_rows), "deals": counts["deals"]})
    return Summary(reps=len(REPS), customers=len(pool), contacts=contacts, leads=len(lead_rows),
                   activities=len(activity_rows), products=len(catalog), **counts)


def _reps(conn: Connection, now: datetime) -> list[int]:
    """The sample's reps (those already there are kept): their ids, in :data:`REPS` order (the manager first)."""
    rep_ids = []
    for handle, name, email, role in REPS:
        existing = conn.execute(select(models.reps.c.id).where(models.reps.c.handle == handle)).first()
        if existing:
            rep_ids.append(int(existing[0]))
            continue
        rep_ids.append(reps.add(conn, handle=handle, name=name, email=email, manager=role == "manager",
                                at=now - timedelta(days=400), actor=None))
    return rep_ids


def _customers(conn: Connection, mk: _Maker, sellers: list[int], n_customers: int) -> tuple[list[dict[str, Any]], int]:
    """``n_customers`` customers with distinct names, each with one to three contacts: the customers' rows (with
    their ids) and how many contacts."""
    industries = list(customer_rules.DEFAULT_TARGET_INDUSTRIES)

    pool: list[dict[str, Any]] = []
    names_seen: set[str] = set()
    contacts = 0
    while len(pool) < n_customers:
        industry = mk.rnd.choice(list(INDUSTRIES))
        name, city = mk.company(industry)
        if name_key(name) in names_seen:
            continue
        names_seen.add(name_key(name))
        head_count = int(mk.rnd.lognormvariate(4.5, 1.3)) + 1
        budget = mk.rnd.choice((None, 30_000, 80_000, 150_000, 300_000, 600_000, 1_200_000, 2_500_000))
        competitors = ", ".join(mk.rnd.sample(COMPETITORS, mk.rnd.choice((0, 0, 1, 1, 2))))
        values = {"name": name, "industry": industry, "size": str(head_count), "city": city,
                  "budget": str(budget) if budget else None, "preferences": mk.rnd.choice(PREFERENCES),
                  "competitors": competitors or None}
        owner_id, created = mk.rnd.choice(sellers), mk.moment(400, 200)
        customer_id = customers.add(conn, values=values, owner_id=owner_id, at=created, actor=None, targets=industries,
                                    allow_duplicate=True)  # distinct here; a name already stored is the user's
        pool.append({"id": customer_id, "name": name, "city": city})
        for _ in range(mk.rnd.choice((1, 1, 2, 3))):
            person, local = mk.person()
            phone = mk.phone()
            email = mk.email(person, local)
            customers.add_contact(conn, customer_id=customer_id, values={
                "name": person, "title": mk.rnd.choice(TITLES), "email": email, "phone": phone}, region="CN",
                at=created, actor=None)
            contacts += 1
    return pool, contacts


def _new_leads(mk: _Maker, pool: list[dict[str, Any]], sellers: list[int], n_leads: int) -> list[dict[str, Any]]:
    """``n_leads`` new leads (not stored yet), half of them from the customers' companies (``_customer``)."""
    lead_rows: list[dict[str, Any]] = []
    for i in range(n_leads):
        person, local = mk.person()
        from_pool = mk.rnd.random() < 0.5
        company_row: dict[str, Any] = mk.rnd.choice(pool)
        if from_pool:
            company, city = str(company_row["name"]), str(company_row["city"])
        else:
            company, city = mk.company(mk.rnd.choice(list(INDUSTRIES)))
        created = mk.moment(365)
        source = mk.source()
        has_email, has_phone = mk.rnd.random() < 0.8, mk.rnd.random() < 0.85
        lead_email = mk.email(person, f"{local}{i}") if has_email else None
        lead_phone: str | None = mk.phone() if has_phone else None
        cleaned = leads.clean_fields({"name": person, "company": company, "email": lead_email, "phone": lead_phone,
                                      "city": city, "source": source}, region="CN")  # with the identity keys
        lead_rows.append({
            "title": None, **cleaned,
            "status": "new",
            "owner_id": mk.rnd.choice(sellers), "follow_up": None, "notes": None, "lost_reason": None,
            "customer_id": None, "_customer": company_row["id"] if from_pool else None,
            "created_at": created, "updated_at": created,
            "closed_at": None, "_pool": from_pool,
        })
    return lead_rows


def _work_leads(mk: _Maker, lead_rows: list[dict[str, Any]], today: date,
                now: datetime) -> tuple[list[dict[str, Any]], list[int]]:
    """Where each lead got to (new, contacted, qualified, lost, converted), with the calls and emails on the way:
    the activities (``lead_id``: the lead's index for now) and the indices of the converted leads."""
    activity_rows: list[dict[str, Any]] = []
    convert: list[int] = []
    for index, lead in enumerate(lead_rows):
        roll = mk.rnd.random()
        status = ("new" if roll < 0.28 else "contacted" if roll < 0.52 else "qualified" if roll < 0.65
                  else "lost" if roll < 0.78 else "converted")
        if status == "converted" and not lead["_pool"]:
            status = "qualified"
        touches = 0 if status == "new" else mk.rnd.randint(1, 4)
        at = lead["created_at"]
        for _ in range(touches):
            at = min(at + timedelta(days=mk.rnd.randint(1, 12), hours=mk.rnd.randint(0, 5)), now)
            activity_rows.append({"lead_id": index, "kind": mk.rnd.choice(("call", "call", "email", "meeting")),
                                  "at": at, "summary": mk.rnd.choice(CALL_NOTES), "next_step": None,
                                  "rep_id": lead["owner_id"]})
        lead["status"] = status
        lead["score"] = lead_rules.score(source=lead["source"], company=lead["company"], email=lead.get("email"),
                                         phone=lead.get("phone"), status=status, touches=touches)
        if status in ("new", "contacted", "qualified"):
            lead["follow_up"] = today + timedelta(days=mk.rnd.choice((-6, -3, -1, 0, 0, 1, 2, 3, 4, 6, 8, 10, 14, 21,
                                                                      30, 45)))
        elif status == "lost":
            lead["lost_reason"] = mk.rnd.choice(LOST_REASONS)
            lead["closed_at"] = min(at + timedelta(days=3), now)
        else:
            lead["closed_at"] = min(at + timedelta(days=2), now)
            lead["customer_id"] = lead["_customer"]
            convert.append(index)
    return activity_rows, convert


def _store_leads(conn: Connection, lead_rows: list[dict[str, Any]], activity_rows: list[dict[str, Any]]) -> list[int]:
    """Insert the leads and their activities; the leads' ids, in order."""
    lead_ids = []
    for lead in lead_rows:
        values = {k: v for k, v in lead.items() if not k.startswith("_")}
        lead_ids.append(insert_id(conn, models.leads, values))
    for activity in activity_rows:
        activity["lead_id"] = lead_ids[activity["lead_id"]]
    if activity_rows:
        conn.execute(insert(models.activities), activity_rows)
    return lead_ids


def _deals(conn: Connection, mk: _Maker, converted: list[tuple[dict[str, Any], int]], catalog: list[Product],
           now: datetime) -> dict[str, int]:
    """A deal for each converted lead (its row and id), advanced through the stages with needs, demos and the
    commercial steps it reached: how many deals, needs, demos and quotes."""
    n_deals = n_needs = n_demos = n_quotes = 0
    for lead, lead_id in converted:
        deal_id = deals.create(conn, customer_id=lead["customer_id"], contact_id=None, lead_id=lead_id,
                               owner_id=lead["owner_id"], title=f"{lead['company']} · {lead['name']}",
                               source=lead["source"], at=lead["closed_at"], actor=None,
                               value_minor=mk.rnd.choice((48, 96, 150, 240, 380, 520, 880)) * 100_000)
        reached = _advance(conn, deal_id, mk, lead["closed_at"], now)
        n_deals += 1
        if "needs_confirmed" in reached:
            _needs(conn, deal_id, mk, catalog, reached["needs_confirmed"], lead["owner_id"])
            n_needs += 1
        if "demo" in reached:
            for _ in range(mk.rnd.choice((1, 1, 2))):
                _demo(conn, deal_id, mk, catalog, reached["demo"], lead["owner_id"])
                n_demos += 1
        if "needs_confirmed" in reached and "lost" not in reached:
            n_quotes += _commercial(conn, deal_id, mk, max(reached.values()), now, acting_for(lead["owner_id"]))
    return {"deals": n_deals, "needs": n_needs, "demos": n_demos, "quotes": n_quotes}


def _advance(conn: Connection, deal_id: int, mk: _Maker, start: datetime, now: datetime) -> dict[str, datetime]:
    """Walk a sample deal some steps along the pipeline (events recorded), or lose it.

    Returns when it reached each stage.
    """
    from sqlalchemy import update

    D, E = models.deals, models.deal_events
    steps = mk.rnd.choice((0, 1, 2, 2, 2))
    at, stage = start, "qualification"
    reached = {stage: at}
    for next_stage in DEAL_OPEN[1 : 1 + steps]:
        at = min(at + timedelta(days=mk.rnd.randint(3, 20)), now)
        conn.execute(insert(E).values(deal_id=deal_id, at=at, from_stage=stage, to_stage=next_stage))
        stage = next_stage
        reached[stage] = at
    changes: dict[str, Any] = {"stage": stage, "stage_at": at, "updated_at": at,
                               "expected_close": (now + timedelta(days=mk.rnd.randint(10, 120))).date()}
    if mk.rnd.random() < 0.08:
        at = min(at + timedelta(days=mk.rnd.randint(2, 10)), now)
        conn.execute(insert(E).values(deal_id=deal_id, at=at, from_stage=stage, to_stage="lost",
                                      note="sample"))
        note = mk.rnd.choice(LOST_REASONS)
        changes.update(stage="lost", stage_at=at, closed_at=at, lost_reason=DEAL_LOST_REASONS[note],
                       lost_note=note, expected_close=None)
        reached["lost"] = at
    conn.execute(update(D).where(D.c.id == deal_id).values(**changes))
    return reached


COMMERCIAL = (("none", 12), ("draft", 5), ("pending", 4), ("sent", 10), ("expired", 5), ("rejected", 8),
              ("negotiation", 8), ("accepted", 4), ("contract", 4), ("won", 40))
POLICY = Policy(max_discount=Decimal(15), min_margin=Decimal(10))


def _commercial(conn: Connection, deal_id: int, mk: _Maker, start: datetime, now: datetime,
                actor: Actor | None) -> int:
    """Take a sample deal through quotes and contracts with the real services, acting for the deal's owner
    (authz.acting_for); returns quotes made."""
    from salescli.services import contracts, quotes

    outcome = mk.rnd.choices([o for o, _ in COMMERCIAL], [w for _, w in COMMERCIAL])[0]
    if outcome == "none":
        return 0
    if outcome == "expired" and (now - start).days < 25:
        outcome = "sent"
    clock = [start]

    def tick(low: int = 1, high: int = 6) -> datetime:
        clock[0] = min(clock[0] + timedelta(days=mk.rnd.randint(low, high), hours=mk.rnd.randint(0, 6)), now)
        return clock[0]

    discount = Decimal(20) if outcome == "pending" else Decimal(mk.rnd.choice((0, 0, 3, 5, 8, 10)))
    number = quotes.create(conn, deal_id, specs=[], from_needs=True, discount=discount, tax_rate=Decimal(13),
                           valid_days=10 if outcome == "expired" else 30, at=tick(), actor=actor,
                           policy=POLICY, currency="CNY")
    if outcome in ("draft", "pending"):
        return 1
    quotes.send(conn, number, at=tick(), actor=actor)
    if outcome in ("sent", "expired"):
        return 1
    if outcome == "rejected":
        quotes.reject(conn, number, reason=mk.rnd.choice(LOST_REASONS), at=tick(), actor=None)
        from salescli.services import deals

        deals.lose(conn, deal_id, reason="price", note="quote rejected", at=tick(), actor=actor)
        return 1
    if outcome in ("negotiation", "won") and mk.rnd.random() < 0.7:
        quotes.revise(conn, number, specs=[], remove=[], discount=discount + 2, tax_rate=None, valid_days=30,
                      note=mk.rnd.choice(("客户要求再优惠", "adjusted after negotiation", "按年付款优惠")), at=tick(),
                      actor=actor, policy=POLICY)
        quotes.send(conn, number, at=tick(), actor=actor)
    if outcome == "negotiation":
        return 1
    quotes.accept(conn, number, at=tick(), actor=None)
    if outcome == "accepted":
        return 1
    terms = mk.rnd.choice(("30% 预付，70% 货到付款", "net 30", "月结 60 天"))
    contract = contracts.create(conn, number, payment_terms=terms, terms=None, at=tick(), actor=None)
    if outcome == "won":
        contracts.sign(conn, contract, signed_by=mk.person()[0], at=tick(2, 10), actor=actor)
        _fulfil(conn, contract, mk, clock[0], now, actor)
    return 1


ORDER_PATH = ("confirmed", "in_production", "shipped", "delivered", "closed")
TICKET_SUBJECTS = ("设备无法联网", "License key not accepted", "发票抬头错误", "传感器读数漂移",
                   "Dashboard loads slowly", "需要补充培训", "配件缺失")


def _fulfil(conn: Connection, contract: str, mk: _Maker, signed: datetime, now: datetime,
            actor: Actor | None) -> None:
    """An order for a signed contract, moved along as far as time allows; tickets after delivery."""
    from salescli.domain.tickets import DEFAULT_SLA_HOURS
    from salescli.services import orders, tickets

    at = min(signed + timedelta(days=1), now)
    promised = (at + timedelta(days=mk.rnd.choice((14, 21, 30, 45)))).date()
    number = orders.create(conn, contract, promised=promised, at=at, actor=actor)
    if mk.rnd.random() < 0.04:
        orders.update_status(conn, number, "cancelled", note="客户取消", at=min(at + timedelta(days=2), now),
                             actor=actor)
        return
    pace = mk.rnd.choice((4, 6, 8, 12))  # days per step: some orders run late
    for status in ORDER_PATH:
        nxt = at + timedelta(days=pace, hours=mk.rnd.randint(0, 8))
        if nxt > now or (status == "closed" and mk.rnd.random() < 0.5):
            break
        at = nxt
        orders.update_status(conn, number, status, note=None, at=at, actor=actor)
        if status == "closed":
            from salescli.services import contracts

            contracts.close(conn, contract, "completed", reason=None, at=at, actor=None)
        if status == "delivered":
            _survey(conn, number, mk, at, now)
        if status == "delivered" and mk.rnd.random() < 0.5:
            opened = min(at + timedelta(days=mk.rnd.randint(1, 10)), now)
            priority = mk.rnd.choice(("low", "normal", "normal", "high", "urgent"))
            ticket = tickets.open_ticket(conn, order=number, customer_id=None, subject=mk.rnd.choice(TICKET_SUBJECTS),
                                         priority=priority, at=opened, actor=actor,
                                         sla=DEFAULT_SLA_HOURS)
            spent = timedelta(hours=DEFAULT_SLA_HOURS[priority] * mk.rnd.choice((0.3, 0.8, 1.5)))
            if opened + spent < now and mk.rnd.random() < 0.6:
                tickets.change(conn, ticket, status="in_progress", priority=None, note=None, at=opened,
                               actor=actor, sla=DEFAULT_SLA_HOURS)
                tickets.change(conn, ticket, status="resolved", priority=None, note="已处理", at=opened + spent,
                               actor=actor, sla=DEFAULT_SLA_HOURS)


SURVEY_COMMENTS = ("交付很及时", "安装工程师很专业", "价格偏高", "Great support team", "希望培训更系统",
                   "Delivery was late but the team kept us informed", "产品稳定，推荐", None, None, None)


def _survey(conn: Connection, order_number: str, mk: _Maker, delivered: datetime, now: datetime) -> None:
    """An emailed survey after delivery; most customers answer within a week."""
    from salescli.domain.surveys import new_token

    orders_t, D, K = models.orders, models.deals, models.contacts
    row = conn.execute(select(orders_t.c.id, D.c.customer_id, D.c.contact_id)
                       .select_from(orders_t.join(D, D.c.id == orders_t.c.deal_id))
                       .where(orders_t.c.number == order_number)).one()
    contact = conn.execute(select(K.c.id, K.c.email).where(K.c.customer_id == row[1]).order_by(K.c.id)).first()
    sent = min(delivered + timedelta(days=2), now)
    values: dict[str, Any] = {"customer_id": row[1], "order_id": row[0], "contact_id": contact[0] if contact else None,
                              "channel": "email", "token": new_token(), "email": contact[1] if contact else None,
                              "language": "zh", "status": "sent", "sent_at": sent, "created_at": sent}
    answered = min(sent + timedelta(days=mk.rnd.randint(0, 6), hours=mk.rnd.randint(1, 9)), now)
    if mk.rnd.random() < 0.65 and answered < now:
        values.update(status="responded", responded_at=answered,
                      nps=mk.rnd.choices(range(11), (1, 1, 1, 1, 2, 2, 3, 6, 10, 14, 12))[0],
                      csat=mk.rnd.choices(range(1, 6), (1, 2, 5, 12, 10))[0], comment=mk.rnd.choice(SURVEY_COMMENTS))
    conn.execute(insert(models.surveys).values(**values))


def _targets(conn: Connection, sellers: list[int], today: date, now: datetime, mk: _Maker) -> None:
    """Monthly revenue targets for this year for the sellers (:data:`REPS` after the manager), so attainment means
    something; a target already set stays."""
    have = {(r, p) for r, p in conn.execute(select(models.targets.c.rep_id, models.targets.c.period))}
    handles = [handle for handle, _name, _email, _role in REPS[1:]]
    for rep_id, handle in zip(sellers, handles, strict=True):
        base = mk.rnd.choice((30_000, 40_000, 50_000, 60_000))
        for month in range(1, 13):
            label = f"{today.year}-{month:02d}"
            if (rep_id, label) not in have:
                targets.set_target(conn, rep=handle, period=label, revenue=str(base), units=None, at=now, actor=None)


def _load_products(conn: Connection, now: datetime) -> list[Product]:
    """The sample catalog (skipping SKUs the database already has)."""
    have = set(products.all_skus(conn))
    at = now - timedelta(days=365)
    for sku, name, category, price, cost, lead, active in PRODUCTS:
        if sku in have:
            continue
        products.add(conn, sku=sku, values={"name": name, "category": category, "price": str(price),
                                            "cost": str(cost), "lead_time_days": lead}, at=at, actor=None)
        if not active:
            products.update_product(conn, sku, values={"active": False}, at=at, actor=None)
    return [Product(sku, name, category, Decimal(price), Decimal(cost), lead, active)
            for sku, name, category, price, cost, lead, active in PRODUCTS]


def _needs(conn: Connection, deal_id: int, mk: _Maker, catalog: list[Product], at: datetime,
           rep_id: int | None) -> None:
    active = [p for p in catalog if p.active]
    items = [Item(p, mk.rnd.choice((1, 2, 5, 10, 20))) for p in mk.rnd.sample(active, mk.rnd.choice((1, 2, 3)))]
    value = list_value(items)
    budget = round_money(value * Decimal(mk.rnd.choice(("0.8", "0.95", "1.0", "1.2"))))
    deliver_by = (at + timedelta(days=mk.rnd.choice((14, 30, 45, 60, 90)))).date()
    found = findings(items, budget=budget, deliver_by=deliver_by, today=at.date())
    needs_id = insert_id(conn, models.needs, {
        "deal_id": deal_id, "status": "confirmed", "budget_minor": to_minor(budget), "deliver_by": deliver_by,
        "decision_maker": mk.person()[0], "notes": mk.rnd.choice(PREFERENCES),
        "findings": json.dumps([f.__dict__ for f in found], ensure_ascii=False), "confirmed_at": at,
        "rep_id": rep_id})
    P = models.products
    ids = dict(conn.execute(select(P.c.sku, P.c.id).where(P.c.sku.in_([i.product.sku for i in items]))).all())
    conn.execute(insert(models.need_items), [
        {"needs_id": needs_id, "product_id": ids[i.product.sku], "sku": i.product.sku, "spec": None, "qty": i.qty,
         "target_price_minor": None} for i in items])


def _demo(conn: Connection, deal_id: int, mk: _Maker, catalog: list[Product], at: datetime,
          rep_id: int | None) -> None:
    shown = mk.rnd.sample([p.sku for p in catalog if p.active], mk.rnd.choice((1, 2, 3)))
    conn.execute(insert(models.demos).values(
        deal_id=deal_id, at=at, attendees=", ".join(mk.person()[0] for _ in range(mk.rnd.choice((1, 2, 3)))),
        products=", ".join(shown), questions="; ".join(mk.rnd.sample(OBJECTIONS, mk.rnd.choice((1, 2)))),
        feedback=mk.rnd.choice(FEEDBACK), outcome=mk.rnd.choice(("positive", "positive", "neutral", "negative")),
        rep_id=rep_id))
