"""Theme hints from stored words (issue 15, R-S6): the same hints as a recount from the texts, never cut on the page."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from pangting.analysis import themes
from pangting.analysis.models import TextDocument, ThemeRanking, ThemeTokens
from pangting.core.jsonshape import check_shapes
from pangting.core.system import system_actor
from pangting.lib import themefit
from pangting.study import services
from pangting.study.models import PlanTheme, StudySession
from pangting.study.tests.builders import make_session

pytestmark = pytest.mark.django_db

ON_THEME = "学习教育强国建设的重要论述，我们要深化产教融合，与企业共建实训基地，推进课程改革，提高人才培养质量。"
OFF_THEME = "近期排查发现实验室危化品台账不全，气瓶存放不规范，下一步要开展安全生产大检查，更新通风设备。"
PLAN_WORDS = "中央八项规定精神学习教育，锤炼党性，转变作风，整治形式主义官僚主义。"
FILE_TEXT = "结合中央八项规定精神学习教育，查摆作风方面的突出问题，整治形式主义，为基层减负。"


def _held(session):
    StudySession.objects.filter(pk=session.pk).update(status=StudySession.Status.HELD)
    session.refresh_from_db()
    return session


def _plan_theme(world):
    plan = services.create_plan(
        world.unit_b,
        actor=system_actor(),
        year=2026,
        themes=[{"period_kind": "month", "period": 11, "theme": "深入贯彻中央八项规定精神", "materials": PLAN_WORDS}],
    )
    return plan.themes.get()


def build(world, settings, tmp_path):
    """Two held sessions of two units: text fields, an outline only, an uploaded file, a plan theme."""
    settings.MEDIA_ROOT = str(tmp_path)
    first = make_session(
        world.unit_a,
        title="深入学习教育强国建设的重要论述",
        content="研讨如何推进产教融合、深化课程改革",
        speakers=[
            {"speaker_name": "王在题", "written_text": ON_THEME, "outline": "产教融合 课程改革"},
            {"speaker_name": "李跑题", "written_text": OFF_THEME},
            {"speaker_name": "赵提纲", "outline": "实训基地建设与人才培养质量提升"},
            {"speaker_name": "钱无词", "outline": "是的"},  # no content words: counted in the IDF, never listed
        ],
    )
    upload = SimpleUploadedFile("发言.txt", FILE_TEXT.encode(), content_type="text/plain")
    second = make_session(
        world.unit_b,
        title="学习贯彻中央八项规定精神",
        plan_theme=_plan_theme(world),
        speakers=[
            {"speaker_name": "孙文件", "file": upload},
            {"speaker_name": "周混合", "written_text": ON_THEME + OFF_THEME},
        ],
    )
    return _held(first), _held(second)


def as_tuples(hints):
    return [(h.speech.pk, h.session.pk, h.session_score, h.plan_score, h.words) for h in hints]


def recount(user):
    return as_tuples(themes.score_speeches(themes.speeches_in_reach(user, 2026)))


def test_the_stored_words_give_exactly_the_hints_of_a_recount_and_no_text_is_cut(
    world, settings, tmp_path, monkeypatch
):
    build(world, settings, tmp_path)
    expected = recount(world.supervisor)
    assert len(expected) == 5 and any(plan is not None and plan > 0 for *_x, plan, _w in expected)
    assert any(TextDocument.objects.get(kind="speech", object_id=pk).theme_tokens for pk, *_rest in expected)

    def no_cutting(text):
        raise AssertionError(f"the page cut a text: {text[:20]}")

    monkeypatch.setattr(themefit, "tokens", no_cutting)
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100)) == expected
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=2)) == expected[:2]


def test_words_written_by_other_means_are_recounted_on_the_page(world, settings, tmp_path):
    first, _second = build(world, settings, tmp_path)
    StudySession.objects.filter(pk=first.pk).update(title="学习安全生产重要论述")  # past the service
    TextDocument.objects.filter(kind="speech", object_id=first.speeches.first().pk).delete()  # not indexed
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100)) == recount(world.supervisor)


def test_a_changed_speech_gets_new_words_and_a_deleted_one_or_deleted_session_drops_out(world, settings, tmp_path):
    first, second = build(world, settings, tmp_path)
    speeches = list(first.speeches.order_by("order"))
    rows = [{"id": speeches[0].pk, "speaker_name": "王在题", "written_text": OFF_THEME}]
    services.update_session(first, actor=world.secretary_a, speakers=rows, title="加强实验室安全管理的学习")
    document = TextDocument.objects.get(kind="speech", object_id=speeches[0].pk)
    assert themes.stored(document.theme_tokens) == themes.token_counts(OFF_THEME)
    theme = ThemeTokens.objects.get(kind="session_theme", object_id=first.pk)
    assert theme.text_hash == themes.text_hash("加强实验室安全管理的学习\n研讨如何推进产教融合、深化课程改革")
    hints = as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100))
    assert hints == recount(world.supervisor)
    assert {pk for pk, *_rest in hints} == {speeches[0].pk} | {s.pk for s in second.speeches.all()}

    second.soft_delete(actor=world.supervisor)
    assert [pk for pk, *_rest in as_tuples(themes.theme_hints(world.supervisor, 2026))] == [speeches[0].pk]


# --- the kept ranking (`ThemeRanking`) ------------------------------------------------------------


@pytest.fixture
def ranks(monkeypatch):
    """How many times the speeches were ranked (a kept ranking is read, not ranked)."""
    calls = []
    real = themes.rank

    def counting(items, limit=None):
        calls.append(len(items))
        return real(items, limit)

    monkeypatch.setattr(themes, "rank", counting)
    return calls


def fresh(user, limit=100):
    """The hints with nothing kept: what the reading must equal."""
    ThemeRanking.objects.all().delete()
    return as_tuples(themes.theme_hints(user, 2026, limit=limit))


def test_a_second_reading_ranks_nothing_and_shows_the_same_hints(world, settings, tmp_path, ranks):
    build(world, settings, tmp_path)
    first = as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100))
    assert first == recount(world.supervisor) and ranks == [6]
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100)) == first
    assert ranks == [6], "the kept ranking was read"
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=2)) == first[:2]
    assert ranks == [6, 6], "another limit is another ranking"
    assert ThemeRanking.objects.count() == 2
    for kept in ThemeRanking.objects.all():
        check_shapes(kept, kept.json_shapes, None)  # written in bulk, past `save()`'s check


def _edit_speech(world, first, second):
    speech = first.speeches.order_by("order").first()
    rows = [{"id": speech.pk, "speaker_name": speech.speaker_name, "written_text": OFF_THEME}]
    services.update_session(first, actor=world.secretary_a, speakers=rows)


def _retitle_past_the_service(world, first, second):
    StudySession.objects.filter(pk=first.pk).update(title="学习安全生产重要论述")


def _rewrite_plan_materials_past_the_service(world, first, second):
    PlanTheme.objects.filter(pk=second.plan_theme_id).update(materials="实验室安全，危化品台账，通风设备。")


def _tamper_with_stored_words(world, first, second):
    speech = first.speeches.order_by("order").first()
    TextDocument.objects.filter(kind="speech", object_id=speech.pk).update(theme_tokens="篡改 3")


def _add_a_speech(world, first, second):
    _held(
        make_session(
            world.unit_b,
            title="学习贯彻中央八项规定精神",
            speakers=[{"speaker_name": "吴新", "written_text": PLAN_WORDS}],
        )
    )


def _delete_a_session(world, first, second):
    second.soft_delete(actor=world.supervisor)


@pytest.mark.parametrize(
    "change",
    [
        _edit_speech,
        _retitle_past_the_service,
        _rewrite_plan_materials_past_the_service,
        _tamper_with_stored_words,
        _add_a_speech,
        _delete_a_session,
    ],
)
def test_the_kept_ranking_is_ranked_again_when_any_input_changes(world, settings, tmp_path, ranks, change):
    first, second = build(world, settings, tmp_path)
    before = as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100))
    change(world, first, second)
    after = as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100))
    assert len(ranks) == 2, "the change was seen"
    assert after != before
    assert after == fresh(world.supervisor)


def test_each_reach_and_year_keeps_its_own_ranking(world, settings, tmp_path, ranks):
    from pangting.accounts.models import Role
    from pangting.tests.builders import make_user

    first, _second = build(world, settings, tmp_path)
    unit_supervisor = make_user("unit_supervisor", (Role.SUPERVISOR, world.unit_a))
    whole = as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100))
    unit = as_tuples(themes.theme_hints(unit_supervisor, 2026, limit=100))
    assert {session for _pk, session, *_rest in unit} == {first.pk} != {session for _pk, session, *_r in whole}
    assert themes.theme_hints(world.supervisor, 2025, limit=100) == []
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100)) == whole
    assert as_tuples(themes.theme_hints(unit_supervisor, 2026, limit=100)) == unit
    assert len(ranks) == 2 and ThemeRanking.objects.count() == 2


def test_nothing_is_kept_when_a_speech_changed_between_its_digest_and_its_words(
    world, settings, tmp_path, ranks, monkeypatch
):
    """The digest reads the words' MD5s, the ranking the words, in two queries: a save between
    them must not leave a ranking under a digest of other words (an undo would then find it)."""
    first, _second = build(world, settings, tmp_path)
    speech = first.speeches.order_by("order").first()
    read_rows = themes._speech_rows

    def read_then_edited(speeches):
        rows = read_rows(speeches)
        TextDocument.objects.filter(kind="speech", object_id=speech.pk).update(theme_tokens="篡改 3")
        return rows

    monkeypatch.setattr(themes, "_speech_rows", read_then_edited)
    hints = as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100))
    assert ranks == [6] and not ThemeRanking.objects.exists()
    assert hints != recount(world.supervisor), "ranked on the words as edited"


def test_nothing_is_kept_while_a_speech_is_outside_the_index(world, settings, tmp_path, ranks):
    first, _second = build(world, settings, tmp_path)
    TextDocument.objects.filter(kind="speech", object_id=first.speeches.first().pk).delete()
    hints = as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100))
    assert hints == recount(world.supervisor)
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100)) == hints
    assert len(ranks) == 2 and not ThemeRanking.objects.exists()


def _command(*args):
    out = io.StringIO()
    try:
        call_command("rebuild_theme_tokens", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_the_rebuild_command_finds_a_tampered_set_and_rewrites_it_as_the_recount(world, settings, tmp_path):
    first, second = build(world, settings, tmp_path)
    assert _command("--check")[0] == 0
    speech = first.speeches.order_by("order").first()
    TextDocument.objects.filter(kind="speech", object_id=speech.pk).update(theme_tokens="篡改 3")
    ThemeTokens.objects.filter(kind="plan_theme", object_id=second.plan_theme_id).update(tokens="")
    ThemeTokens.objects.filter(kind="session_theme", object_id=second.pk).delete()

    status, out = _command("--check")
    assert status == 1
    assert f"speech:{speech.pk}" in out and f"plan_theme:{second.plan_theme_id}" in out
    assert f"session_theme:{second.pk}" in out
    assert TextDocument.objects.get(kind="speech", object_id=speech.pk).theme_tokens == "篡改 3"  # only checked

    assert _command()[0] == 0
    assert _command("--check") == (0, _command("--check")[1]) and "不一致0项" in _command("--check")[1]
    assert as_tuples(themes.theme_hints(world.supervisor, 2026, limit=100)) == recount(world.supervisor)


# The request's own and the reach; the sessions and their themes' words, the speeches' digests,
# the kept ranking, the speeches shown. The first reading also reads the words and keeps the ranking.
PAGE_QUERIES = 8
FIRST_PAGE_QUERIES = PAGE_QUERIES + 2


@pytest.mark.parametrize("sessions", [1, 4])
def test_the_page_runs_a_fixed_number_of_queries_whatever_the_number_of_speeches(
    world, client_for, django_assert_num_queries, sessions
):
    for _n in range(sessions):
        _held(
            make_session(
                world.unit_a,
                title="深入学习教育强国建设的重要论述",
                speakers=[
                    {"speaker_name": "王在题", "written_text": ON_THEME},
                    {"speaker_name": "李跑题", "written_text": OFF_THEME},
                ],
            )
        )
    client = client_for(world.supervisor)
    client.get("/")  # first request after sign-in: its one-off writes and lookups
    with django_assert_num_queries(FIRST_PAGE_QUERIES):
        first = client.get("/analysis/theme-hints/?year=2026").content.decode()
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get("/analysis/theme-hints/?year=2026").content.decode()
    assert page.count('data-testid="theme-hint"') == 2 * sessions
    assert without_token(page) == without_token(first)


def without_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the seeded rows, even after an earlier flush
def test_the_data_migration_fills_the_words_of_the_texts_already_held(world):
    from pangting.tests.migrating import migrate_to, migrate_to_latest

    session = make_session(
        world.unit_a,
        title="深入学习教育强国建设的重要论述",
        speakers=[{"speaker_name": "王在题", "written_text": ON_THEME}],
    )
    speech = session.speeches.get()
    old = migrate_to([("analysis", "0002_theme_tokens")])  # backwards: the stored words are emptied
    try:
        assert (
            old.get_model("analysis", "TextDocument").objects.get(kind="speech", object_id=speech.pk).theme_tokens == ""
        )
        assert not old.get_model("analysis", "ThemeTokens").objects.exists()
        new = migrate_to([("analysis", "0003_fill_theme_tokens")])
        document = new.get_model("analysis", "TextDocument").objects.get(kind="speech", object_id=speech.pk)
        assert themes.stored(document.theme_tokens) == themes.token_counts(ON_THEME) != []
        row = new.get_model("analysis", "ThemeTokens").objects.get(kind="session_theme", object_id=session.pk)
        assert row.text_hash == themes.text_hash(session.title) and themes.stored(row.tokens) == themes.token_counts(
            session.title
        )
    finally:
        migrate_to_latest()
