"""Customer analysis: size bands, the A/B/C tier rule, and breakdowns over plain records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from salescli.domain import aliases
from salescli.errors import InputError
from salescli.i18n import _

#: Size bands by head count, smallest first: (band, lowest head count).
SIZE_BANDS: tuple[tuple[str, int], ...] = (("small", 1), ("medium", 50), ("large", 250), ("enterprise", 1000))
_SIZE_ALIASES = {"小": "small", "小型": "small", "中": "medium", "中型": "medium", "大": "large", "大型": "large",
                 "集团": "enterprise", "特大": "enterprise", "s": "small", "m": "medium", "l": "large",
                 "xl": "enterprise"}

TIER_RULE = """Tier rule (points, then A >= 6, B >= 3, else C):
  budget   >= 1,000,000: 3 | >= 200,000: 2 | >= 50,000: 1 | less or unknown: 0
  size     enterprise (1000+): 3 | large (250-999): 2 | medium (50-249): 1 | small or unknown: 0
  fit      industry is one of the config's target_industries: +1; no known competitor: +1"""

DEFAULT_TARGET_INDUSTRIES = ("manufacturing", "retail", "healthcare", "education", "logistics", "software")

#: Canonical industry keys and the names they are typed as (the first is the Chinese display name). A team adds its
#: own with the setting ``industry_aliases`` (``汽车=automotive,...``).
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "manufacturing": ("制造业", "制造", "生产制造", "工业", "manufacturer", "manufacture"),
    "software": ("软件", "软件业", "软件开发", "信息技术", "it", "software development"),
    "retail": ("零售", "零售业", "商贸", "商超"),
    "healthcare": ("医疗", "医疗健康", "医疗卫生", "医药", "health care", "medical"),
    "education": ("教育", "教育培训", "培训"),
    "logistics": ("物流", "物流业", "运输", "仓储物流", "transport", "transportation"),
    "finance": ("金融", "金融业", "金融服务", "银行", "financial services", "banking"),
    "energy": ("能源", "新能源"),
    "construction": ("建筑", "建筑业", "建设工程", "建筑工程"),
    "food": ("食品", "食品饮料", "food and beverage"),
    "automotive": ("汽车", "汽车业", "auto"),
    "electronics": ("电子", "电子产品"),
    "chemicals": ("化工", "化学", "chemical"),
    "real_estate": ("房地产", "地产", "real estate"),
    "telecom": ("通信", "电信", "telecommunications"),
    "government": ("政府", "政府机构", "public sector"),
    "agriculture": ("农业",),
}
_INDUSTRY_TABLE = aliases.table(INDUSTRIES)


def parse_industry(text: str | None, extra: Mapping[str, str] | None = None) -> str | None:
    """The canonical industry key for a name typed in any language (制造业, 制造, Manufacturing → manufacturing);
    the team's aliases (``extra``, folded alias → key) first. An industry in no table is kept as written
    (lower-cased when it is plain ASCII, so ``Mining`` and ``mining`` are one segment). Empty → None."""
    if text is None or not text.strip():
        return None
    key = aliases.lookup(text, _INDUSTRY_TABLE, extra)
    if key is not None:
        return key
    return aliases.fold(text) if text.isascii() else text.strip()


def parse_size(text: str) -> str:
    """Accept a band name (``medium``, ``中型``) or a head count (``120``) and return the band."""
    raw = text.strip().casefold()
    if raw.isdigit():
        count = int(raw)
        if count < 1:
            raise InputError(_("{field}: head count must be at least 1, got {text!r}").format(field="size", text=text))
        return [band for band, low in SIZE_BANDS if count >= low][-1]
    band = _SIZE_ALIASES.get(raw, raw)
    if band not in dict(SIZE_BANDS):
        names = ", ".join(b for b, _low in SIZE_BANDS)
        raise InputError(_("{field}: {text!r} is not a size (one of {names}, or a head count)").format(
            field="size", text=text, names=names))
    return band


def tier(*, budget: Decimal | None, size: str | None, industry: str | None, competitors: str | None,
         target_industries: Iterable[str] = DEFAULT_TARGET_INDUSTRIES) -> str:
    """The customer's tier by :data:`TIER_RULE`."""
    points = 0
    if budget is not None:
        points += 3 if budget >= 1_000_000 else 2 if budget >= 200_000 else 1 if budget >= 50_000 else 0
    points += {"enterprise": 3, "large": 2, "medium": 1}.get(size or "", 0)
    targets = {parse_industry(t) for t in target_industries}
    if industry and parse_industry(industry) in targets:
        points += 1
    if not (competitors or "").strip():
        points += 1
    return "A" if points >= 6 else "B" if points >= 3 else "C"


def split_list(text: str | None) -> list[str]:
    """``"A, B，C"`` → ``["A", "B", "C"]`` (ASCII and full-width commas, 、 too)."""
    if not text:
        return []
    for sep in ("，", "、", ";", "；"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]
