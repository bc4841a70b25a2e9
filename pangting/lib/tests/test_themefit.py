"""Theme adherence by TF-IDF over jieba words (R-S6 hints): on-theme speeches score above off-theme ones."""

from __future__ import annotations

from pangting.lib import themefit

THEME = "深入学习贯彻教育强国建设的重要论述，推进产教融合"
ON_THEME = "学习教育强国建设的重要论述，我们要深化产教融合，与企业共建实训基地，推进课程改革。"
OFF_THEME = "近期排查发现实验室危化品台账不全，气瓶存放不规范，要开展安全生产检查。"
OTHER = "围绕理论武装谈体会，要学深悟透，联系思想和工作实际。"


def test_it_cuts_chinese_into_content_words():
    words = themefit.tokens("我们要深化产教融合，推进课程改革。")
    assert "产教" in words or "产教融合" in words
    assert "我们" not in words and "，" not in words and all(len(w) >= 2 for w in words)


def test_a_speech_on_its_theme_scores_above_one_off_it():
    documents = [themefit.tokens(text) for text in (ON_THEME, OFF_THEME, OTHER)]
    model = themefit.TfIdf.fit(documents)
    theme = model.vector(themefit.tokens(THEME))
    on = themefit.cosine(model.vector(documents[0]), theme)
    off = themefit.cosine(model.vector(documents[1]), theme)
    assert on > 0.3 and off == 0.0
    assert "产教融合" in themefit.shared_words(model.vector(documents[0]), theme) or "融合" in themefit.shared_words(
        model.vector(documents[0]), theme
    )


def test_an_empty_text_has_no_similarity():
    model = themefit.TfIdf.fit([themefit.tokens(ON_THEME)])
    assert model.vector([]) == {} and themefit.cosine({}, model.vector(themefit.tokens(THEME))) == 0.0
