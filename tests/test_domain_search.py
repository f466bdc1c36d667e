"""domain/search.py: the index terms of a record, what a typed query looks for, ranking (no database)."""

from __future__ import annotations

from salescli.domain import search as s


def test_chinese_text_gives_a_term_per_character_its_bigram_or_the_last_character() -> None:
    assert s.text_terms("王伟") == {"王伟", "伟"}
    assert s.text_terms("上海华信") == {"上海", "海华", "华信", "信"}
    # every piece of 1 character is a prefix of a term, every piece of 2 characters is a term
    terms = s.text_terms("深圳恒通物流有限公司")
    text = "深圳恒通物流有限公司"
    assert all(any(t.startswith(c) for t in terms) for c in text)
    assert all(text[i:i + 2] in terms for i in range(len(text) - 1))


def test_latin_words_are_folded_and_full_width_is_normal_width() -> None:
    assert s.text_terms("Northwind Logistics LTD") == {"northwind", "logistics", "ltd"}
    assert s.text_terms("ＡＣＭＥ１２３") == {"acme123"}
    assert s.text_terms("Müller & Söhne") == {"müller", "söhne"}
    assert s.text_terms("Acme上海") == {"acme", "上海", "海"}
    assert s.text_terms(None) == set() and s.text_terms("  ") == set()


def test_email_and_phone_terms() -> None:
    assert s.email_terms(" Wang.Wei@Example.CN ") == {"wang.wei@example.cn"}
    assert s.phone_terms("+8613812345678") == {"#8765432183168"}
    assert s.phone_terms("123") == set()
    terms = s.record_terms("lead", {"name": "王伟", "company": "Acme", "email": "w@x.cn", "phone_key": "+8613800001234",
                                    "city": "北京"})
    assert terms == {"王伟", "伟", "acme", "w@x.cn", "#4321000083168"}  # the city is not searched


def test_column_terms_match_record_terms_row_by_row() -> None:
    columns = {"name": ["王伟", "Emma"], "company": [None, "Acme Ltd"], "email": ["a@b.cn", None],
               "phone_key": [None, "+8613800001234"], "notes": ["x", "y"]}
    rows = s.column_terms("lead", columns, 2)
    assert [set(r) for r in rows] == [s.record_terms("lead", {k: v[i] for k, v in columns.items()}) for i in (0, 1)]


def test_queries() -> None:
    q = s.parse("王伟")
    assert q.clauses == (s.Clause(exact=("王伟",)),) and not q.scan
    assert s.parse("王").clauses == (s.Clause(prefixes=("王",)),)
    q = s.parse("华信精密")  # three bigrams, all needed, and the piece itself checked (bigrams may come apart)
    assert q.clauses == tuple(s.Clause(exact=(b,)) for b in ("华信", "信精", "精密")) and q.verify == ("华信精密",)
    assert s.parse("Lead17@Example.cn").clauses == (s.Clause(prefixes=("lead17@example.cn",)),)
    q = s.parse("138-1234 5678")
    assert q.clauses == (s.Clause(prefixes=("#87654321831", "13812345678")),) and q.phone_digits == "13812345678"
    assert s.parse("5678").clauses == (s.Clause(prefixes=("#8765", "5678")),)
    assert s.parse("17").clauses == (s.Clause(prefixes=("17",)),)  # too short for a phone: a word
    assert s.parse("north wind").clauses == (s.Clause(prefixes=("north",)), s.Clause(prefixes=("wind",)))
    for literal in ("0%", "a_b", "\\", "%", "O'Brien"):
        assert s.parse(literal).scan, literal
    assert s.parse("   ") == s.Query("", "")


def test_prefix_end_is_the_next_string_in_code_point_order() -> None:
    assert s.prefix_end("ab") == "ac"
    assert s.prefix_end("王") == chr(ord("王") + 1)
    assert s.prefix_end("a\U0010ffff") == "b"
    assert s.prefix_end("\ud7ff") == "\ue000"
    assert s.prefix_end("\U0010ffff") is None
    # every term starting with the prefix falls inside [prefix, end), in Python's order as in the databases'
    for term in ("王伟", "王", "王\U00020000"):
        end = s.prefix_end("王")
        assert end is not None and "王" <= term < end


def test_rank_puts_exact_email_phone_and_name_first() -> None:
    assert s.rank(s.parse("wang@x.cn"), name="王伟", email="Wang@x.cn") == (100, "email")
    assert s.rank(s.parse("1234"), name="王伟", phone="+8613800001234")[1] == "phone"
    assert s.rank(s.parse("王伟"), name="王伟", company="王伟科技")[0] > s.rank(s.parse("王伟"), name="王伟强")[0]
    assert s.rank(s.parse("华信"), name="张三", company="上海华信")[1] == "company"
    score, why = s.rank(s.parse("acme"), name="Acme", company="Acme Ltd")
    assert why == "name, company" and score == s.SCORES["name"]
    found = s.order([(50, "deal", 1), (90, "contact", 2), (90, "lead", 3), (90, "lead", 9)])
    assert found == [(90, "lead", 9), (90, "lead", 3), (90, "contact", 2), (50, "deal", 1)]
