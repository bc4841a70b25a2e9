"""The R-S8 classifier (pangting.lib.substitution): what an agenda item is, from its text."""

from __future__ import annotations

import pytest

from pangting.lib import substitution as s


def test_it_judges_relay_and_deployment_from_the_text_whatever_kind_was_declared():
    # R-S8: the case the declared kinds let through.
    relay = s.classify("传达上级文件精神", "theory")
    deployment = s.classify("部署招生与就业工作", "theory")
    assert relay.label == s.DOCUMENT_RELAY and not relay.is_study
    assert deployment.label == s.WORK_DEPLOYMENT and not deployment.is_study


def test_it_says_which_words_decided():
    result = s.classify("部署招生与就业工作", "theory")
    assert result.decisive_terms[:3] == ("部署", "招生", "就业")
    assert result.scores[s.WORK_DEPLOYMENT] > result.scores[s.THEORY_STUDY]


@pytest.mark.parametrize(
    ("text", "declared", "label"),
    [
        ("学习习近平总书记在全国教育大会上的重要讲话精神", "first_item", s.THEORY_STUDY),
        ("专题学习《中国共产党纪律处分条例》", "theory", s.THEORY_STUDY),
        ("观看警示教育片", "theory", s.THEORY_STUDY),
        ("交流研讨", "discussion", s.THEORY_STUDY),
        ("传达学习党的二十届四中全会精神", "theory", s.THEORY_STUDY),  # relaying central theory is study
        ("传达学习省委教育工委会议精神", "theory", s.DOCUMENT_RELAY),  # 传达学习 that is a relay
        ("通报近期安全稳定工作", "theory", s.DOCUMENT_RELAY),
        ("研究部署2026年招生就业工作", "business", s.WORK_DEPLOYMENT),
        ("学习研究学院年度工作方案", "theory", s.WORK_DEPLOYMENT),  # study wording hiding deployment
        ("安排部署安全生产检查", "business", s.WORK_DEPLOYMENT),
        ("业务培训：财务报销新规", "business", s.BUSINESS_TRAINING),
        ("学习《学校差旅费管理办法》", "theory", s.BUSINESS_TRAINING),
        ("学习习近平总书记关于安全生产的重要论述", "business", s.THEORY_STUDY),  # a lie the other way
    ],
)
def test_it_classifies_items_as_units_write_them(text, declared, label):
    assert s.classify(text, declared).label == label


def test_the_declared_kind_is_one_input_that_decides_only_when_the_text_is_silent():
    assert s.classify("会议议程一", "first_item").label == s.THEORY_STUDY
    assert s.classify("会议议程一", "business").label == s.WORK_DEPLOYMENT
    assert s.classify("会议议程一", "first_item").decisive_terms == ()
    assert s.classify("会议议程一").label is None  # nothing to judge by


def test_a_longer_term_is_counted_once_and_not_again_as_its_parts():
    result = s.classify("学习贯彻全国教育大会精神")
    terms = [h.term for h in result.hits]
    assert "学习贯彻" in terms and "学习" not in terms


def test_it_normalizes_width_and_spaces():
    assert s.classify("业务 培训：ＯＡ系统操作").label == s.BUSINESS_TRAINING


def test_overrides_add_change_or_remove_terms():
    lexicon = s.default_lexicon().with_overrides([s.parse_override("读书班=theory_study:5")])
    assert s.classify("举办读书班", lexicon=lexicon).label == s.THEORY_STUDY
    assert s.classify("举办读书班").label is None
    removed = s.default_lexicon().with_overrides([s.parse_override("培训=business_training:0")])
    assert "培训" not in {t.text for t in removed.terms}


@pytest.mark.parametrize(
    "entry", ["读书班", "读书班=theory:5", "读书班=theory_study:x", "=theory_study:1", "a=theory_study:99"]
)
def test_it_refuses_a_malformed_override_in_chinese(entry):
    with pytest.raises(ValueError, match="词表条目"):
        s.parse_override(entry)


def test_a_lexicon_with_an_unknown_class_or_a_duplicate_term_is_refused():
    with pytest.raises(ValueError):
        s.Lexicon.from_dict({"terms": {"politics": {"学习": 1}}, "declared": {}})
    with pytest.raises(ValueError):
        s.Lexicon.from_dict({"terms": {"theory_study": {"学习": 1}, "document_relay": {"学习": 2}}, "declared": {}})


def test_a_study_session_passes_and_a_disguised_one_is_flagged():
    # R-S8
    study = s.judge_session(
        [
            ("学习习近平总书记最新重要讲话精神", "first_item"),
            ("中心组成员交流研讨", "discussion"),
            ("通报近期工作", "business"),
        ],
        "学习贯彻党的二十届四中全会精神",
    )
    assert not study.flagged and study.study_count == 3 and study.judged_count == 4
    disguised = s.judge_session([("传达上级文件精神", "theory"), ("部署招生与就业工作", "theory")], "中心组学习会")
    assert disguised.flagged and disguised.study_count == 1 and disguised.share == pytest.approx(1 / 3)


def test_the_share_is_compared_with_the_configured_minimum():
    items = [("学习党章", "theory"), ("部署招生工作", "business")]
    assert not s.judge_session(items, min_share=0.5).flagged  # 1 of 2 is exactly 50 %
    assert s.judge_session(items, min_share=0.6).flagged


def test_no_study_at_all_is_flagged_and_an_empty_agenda_is_its_own_case():
    only_business = s.judge_session([("研究年度预算", "business")], "学习会", min_share=0.01)
    assert only_business.flagged and only_business.study_item_count == 0  # a study title alone is no study part
    empty = s.judge_session([], "学习贯彻党的二十届四中全会精神")
    assert empty.flagged and empty.empty_agenda and empty.items == ()


def test_a_title_without_any_term_is_left_out_of_the_share():
    judged = s.judge_session([("学习党章", "theory")], "第三次会议")
    assert judged.judged_count == 1 and judged.title is not None and judged.title.label is None


def test_a_remembered_classification_is_the_one_a_fresh_lexicon_makes(monkeypatch):
    # R-S8, issue 15: a run classifies the agendas' repeated titles once per (text, declared kind).
    lexicon = s.default_lexicon().with_overrides([s.Term("工作例会", s.WORK_DEPLOYMENT, 3)])
    texts = [("传达上级文件精神", "theory"), ("传达上级文件精神", None), ("召开工作例会", "theory")]
    first = [s.classify(text, kind, lexicon=lexicon) for text, kind in texts]
    again = [s.classify(text, kind, lexicon=lexicon) for text, kind in texts]
    assert all(a is b for a, b in zip(first, again, strict=True))
    fresh = s.Lexicon(lexicon.terms, lexicon.declared)
    assert first == [s.classify(text, kind, lexicon=fresh, matcher="jieba", tokenize=list) for text, kind in texts]
    assert first[0].scores != first[1].scores  # the declared kind is part of what is remembered
    assert first[2].label == s.WORK_DEPLOYMENT  # the override's own lexicon, not the default's memo
    monkeypatch.setattr(s, "CLASSIFIED_LIMIT", 2)
    for text, kind in texts:
        s.classify(text + "。", kind, lexicon=fresh)
    assert len(fresh._classified) <= 2
