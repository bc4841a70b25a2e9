"""Near-duplicate texts in the system (issue 13 item 1): checked on save, by the scan, decided with history."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from pangting.analysis import duplicates
from pangting.analysis.models import TextBand, TextDocument, TextPair
from pangting.core import registry
from pangting.core.transitions import log_of
from pangting.lib import textdup
from pangting.study import services as study
from pangting.study.models import Speech
from pangting.study.tests.builders import make_session

from .texts import NEAR_COPY, ORIGINAL, UNRELATED

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def speech(unit, text, name="王发言", **fields):
    session = make_session(unit, speakers=[{"speaker_name": name, "written_text": text}], **fields)
    return Speech.objects.get(session=session)


def copied_pair(world):
    speech(world.unit_a, ORIGINAL)
    speech(world.unit_b, NEAR_COPY, name="孙复制")
    return TextPair.objects.get()


def test_it_flags_a_speech_copied_across_units_when_it_is_saved(world):
    first = speech(world.unit_a, ORIGINAL)
    assert TextDocument.objects.get(kind="speech", object_id=first.pk).has_text
    assert TextBand.objects.filter(document__object_id=first.pk).count() == 32
    speech(world.unit_b, NEAR_COPY, name="孙复制")
    pair = TextPair.objects.get()
    assert pair.red and pair.score >= 0.8 and pair.state == TextPair.State.OPEN
    assert {pair.first.organization, pair.second.organization} == {world.unit_a, world.unit_b}


def test_it_leaves_unrelated_texts_alone(world):
    speech(world.unit_a, ORIGINAL)
    speech(world.unit_b, UNRELATED)
    assert not TextPair.objects.exists()


def test_a_changed_text_withdraws_its_open_pair(world):
    pair = copied_pair(world)
    copy = Speech.objects.get(pk=pair.second.object_id)
    rows = [{"id": copy.pk, "speaker_name": "孙复制", "written_text": UNRELATED}]
    study.update_session(copy.session, actor=world.secretary_b, speakers=rows)
    assert not TextPair.objects.exists()
    assert TextPair.all_objects.get().deleted_at is not None  # kept with its history


def test_the_pair_page_shows_both_texts_side_by_side_with_the_shared_passages(world, client_for):
    pair = copied_pair(world)
    page = client_for(world.supervisor).get(f"/analysis/pairs/{pair.pk}/").content.decode()
    assert page.count('data-testid="pair-side"') == 2
    assert '<mark class="shared">' in page
    assert "甲学院党委" in page and "乙学院党委" in page and "王发言" in page and "孙复制" in page
    assert 'data-testid="pair-confirm"' in page and 'data-testid="pair-dismiss"' in page
    listing = client_for(world.supervisor).get("/analysis/pairs/").content.decode()
    assert listing.count('data-testid="pair"') == 1 and "高度雷同" in listing


def test_a_unit_secretary_sees_no_pair_and_cannot_decide(world, client_for):
    pair = copied_pair(world)
    assert client_for(world.secretary_a).get(f"/analysis/pairs/{pair.pk}/").status_code == 404
    assert client_for(world.secretary_a).get("/analysis/pairs/").status_code == 404
    response = client_for(world.secretary_b).post(f"/analysis/pairs/{pair.pk}/confirm/", {"version": pair.version})
    assert response.status_code == 404
    assert TextPair.objects.get().state == TextPair.State.OPEN


def test_the_supervisor_confirms_a_pair_with_history(world, client_for):
    pair = copied_pair(world)
    response = client_for(world.supervisor).post(f"/analysis/pairs/{pair.pk}/confirm/", {"version": pair.version})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.state == TextPair.State.CONFIRMED
    assert [row.step for row in log_of(pair)] == ["confirm"]
    assert pair.history.first().history_user == world.supervisor
    assert pair.history.count() >= 2


def test_a_dismissal_needs_a_reason_and_is_never_raised_again(world, client_for):
    pair = copied_pair(world)
    client = client_for(world.supervisor)
    client.post(f"/analysis/pairs/{pair.pk}/dismiss/", {"version": pair.version, "reason": ""})
    pair.refresh_from_db()
    assert pair.state == TextPair.State.OPEN  # refused: 请填写排除理由
    reason = "同一人两处任职，系本人材料"
    client.post(f"/analysis/pairs/{pair.pk}/dismiss/", {"version": pair.version, "reason": reason})
    pair.refresh_from_db()
    assert pair.state == TextPair.State.DISMISSED and log_of(pair).get().reason == reason
    # Saved again, and scanned again: still the one dismissed pair, nothing new to decide.
    copy = Speech.objects.get(pk=pair.second.object_id)
    registry.text_saved("speech", copy)
    call_command("scan_texts", "--no-progress", stdout=io.StringIO())
    assert list(TextPair.objects.values_list("state", flat=True)) == [TextPair.State.DISMISSED]
    assert not duplicates.pairs_for_user(world.supervisor).filter(state=TextPair.State.OPEN).exists()


def test_the_scan_command_finds_copies_the_index_did_not_know(world):
    copied_pair(world)
    TextPair.all_objects.all().delete()
    TextBand.objects.all().delete()
    TextDocument.objects.all().delete()
    out = io.StringIO()
    call_command("scan_texts", stdout=out, stderr=io.StringIO())
    pair = TextPair.objects.get()
    assert pair.red and {pair.first.kind, pair.second.kind} == {"speech"}
    assert "雷同1对，其中高度雷同1对" in out.getvalue()


def test_the_scan_writes_the_index_a_few_documents_at_a_time(world, monkeypatch):
    # Issue 15: a province's 450,000 texts' band rows held at once took 15 GB; the scan writes
    # them a chunk of documents at a time, and finds what one chunk would.
    copied_pair(world)
    speech(world.unit_a, UNRELATED, name="李无关")
    speech(world.unit_b, ORIGINAL[: len(ORIGINAL) // 2], name="赵摘录")
    TextPair.all_objects.all().delete()
    monkeypatch.setattr(duplicates, "BAND_CHUNK", 2)
    monkeypatch.setattr(duplicates, "PAIR_CHUNK", 1)  # candidate pairs read and verified one at a time
    result = duplicates.scan_corpus()
    documents = TextDocument.objects.filter(has_text=True)
    assert result.with_text == documents.count() >= 4
    assert TextBand.objects.count() == textdup.LSH_BANDS * documents.count()
    assert sorted(TextBand.objects.values_list("document", flat=True).distinct()) == sorted(
        documents.values_list("pk", flat=True)
    )
    # Each document's signature, written in the second pass, is the one the on-save check makes.
    model = duplicates.boilerplate()
    for doc in documents:
        expected = textdup.signature(model.drop(duplicates._array(doc.shingles)))
        assert bytes(doc.signature) == textdup.signature_to_bytes(expected)
    chunked = set(TextPair.objects.values_list("first", "second", "red"))
    TextPair.all_objects.all().delete()
    monkeypatch.setattr(duplicates, "BAND_CHUNK", 10_000)
    monkeypatch.setattr(duplicates, "PAIR_CHUNK", 20_000)
    whole = duplicates.scan_corpus()
    assert set(TextPair.objects.values_list("first", "second", "red")) == chunked
    assert (whole.candidates, whole.pairs) == (result.candidates, result.pairs) and result.pairs >= 1


def test_the_scan_verifies_only_candidates_their_signatures_put_near_the_threshold(world, monkeypatch):
    copied_pair(world)
    TextPair.all_objects.all().delete()
    verified = []
    exact = textdup.jaccard_and_shared
    monkeypatch.setattr(textdup, "jaccard_and_shared", lambda a, b: verified.append(1) or exact(a, b))
    result = duplicates.scan_corpus()
    assert result.pairs == 1 and result.candidates >= 1 and len(verified) == result.candidates
    # A floor above every estimate: the candidates are passed over, none is verified or raised.
    TextPair.all_objects.all().delete()
    verified.clear()
    monkeypatch.setattr(duplicates, "ESTIMATE_MARGIN", -1.0)
    assert duplicates.scan_corpus().pairs == 0 and not verified and not TextPair.objects.exists()


def test_the_scan_recomputes_a_texts_fields_only_when_the_text_read_changed(world, monkeypatch):
    first, second = speech(world.unit_a, ORIGINAL), speech(world.unit_b, UNRELATED, name="李无关")
    duplicates.scan_corpus()
    tokenized = []
    count = duplicates.themes.speech_tokens
    monkeypatch.setattr(
        duplicates.themes, "speech_tokens", lambda kind, text: tokenized.append(text) or count(kind, text)
    )
    # Punctuation only: the same normalized text (and shingles), but other theme words may come of it.
    changed = UNRELATED.replace("，", "。", 1)
    Speech.objects.filter(pk=second.pk).update(written_text=changed)
    Speech.objects.filter(pk=first.pk).update(speaker_name="王改名")  # not the text
    result = duplicates.scan_corpus()
    assert result.documents == 2 and tokenized == [changed]
    doc = TextDocument.objects.get(object_id=second.pk)
    assert doc.theme_tokens == count("speech", changed) and doc.read_digest
    unchanged = TextDocument.objects.get(object_id=first.pk)
    assert unchanged.theme_tokens == count("speech", ORIGINAL) and "王改名" in unchanged.author + unchanged.title


def test_a_text_shorter_than_a_pair_must_share_is_left_out_of_the_bands(world):
    # Issue 15: fewer shingles than MIN_SHARED after boilerplate can never make a pair; such texts
    # made the candidate pairs grow with the square of a province's texts.
    short = "认真学习贯彻全会精神并结合实际抓好落实"  # 19 characters: 15 shingles
    first, second = speech(world.unit_a, short), speech(world.unit_b, short, name="孙复制")
    assert len(textdup.shingle_array(short)) < textdup.MIN_SHARED
    assert not TextPair.objects.exists() and not TextBand.objects.exists()
    long = speech(world.unit_a, ORIGINAL, name="李原文")
    assert TextBand.objects.filter(document__object_id=long.pk).count() == textdup.LSH_BANDS
    result = duplicates.scan_corpus()
    assert result.documents == 3 and result.pairs == 0 and result.candidates == 0
    assert set(TextBand.objects.values_list("document__object_id", flat=True)) == {long.pk}
    assert TextDocument.objects.filter(object_id__in=[first.pk, second.pk], deleted_at__isnull=True).count() == 2


def test_a_candidate_the_scan_did_not_sign_is_left_to_its_own_check(world, monkeypatch):
    # A text saved while the scan runs commits its bands without being signed by it.
    copied_pair(world)
    TextPair.all_objects.all().delete()
    candidates = duplicates._candidate_chunks

    def with_an_unsigned_one():
        for rows in candidates():
            yield [*rows, (rows[0][0], 10**9)]

    monkeypatch.setattr(duplicates, "_candidate_chunks", with_an_unsigned_one)
    result = duplicates.scan_corpus()
    assert result.pairs == 1 and TextPair.objects.count() == 1


def test_the_scan_drops_the_documents_of_records_gone_since_the_last_one(world):
    kept, gone = speech(world.unit_a, ORIGINAL), speech(world.unit_b, UNRELATED, name="李无关")
    duplicates.scan_corpus()
    Speech.objects.filter(pk=gone.pk).update(written_text="")  # changed outside the services
    result = duplicates.scan_corpus()
    assert result.documents == 1 and result.with_text == 1
    live = TextDocument.objects.filter(deleted_at__isnull=True)
    assert list(live.values_list("object_id", flat=True)) == [kept.pk]
    assert not TextBand.objects.exclude(document__object_id=kept.pk).exists()
    assert TextDocument.objects.get(object_id=gone.pk).deleted_at is not None


@pytest.mark.django_db(transaction=True)  # the real worker commits
def test_the_scan_runs_in_the_background_with_its_progress(world):
    from pangting.core.models import Job
    from pangting.core.tests.worker import run_worker

    copied_pair(world)
    TextPair.all_objects.all().delete()
    call_command("scan_texts", "--enqueue", stdout=io.StringIO())
    job = Job.objects.get(kind="analysis.scan_texts")
    assert not TextPair.objects.exists()  # queued, not run here
    run_worker()
    job.refresh_from_db()
    documents = TextDocument.objects.count()
    assert job.status == Job.Status.DONE and job.done == job.total >= documents >= 2
    assert TextPair.objects.get().red


def test_a_scanned_pdf_is_listed_as_no_text(world, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    settings.MEDIA_ROOT = str(tmp_path)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    data = io.BytesIO()
    writer.write(data)
    upload = SimpleUploadedFile("扫描件.pdf", data.getvalue(), content_type="application/pdf")
    session = make_session(world.unit_a, speakers=[{"speaker_name": "王发言", "file": upload}])
    doc = TextDocument.objects.get(kind="speech", object_id=session.speeches.get().pk)
    assert not doc.has_text and doc.note == "文件无文字（扫描件）"


def test_the_api_lists_shows_confirms_and_dismisses_pairs(world):
    pair = copied_pair(world)
    listed = api(world.supervisor).get("/api/v1/analysis/text-pairs/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [pair.pk] and rows[0]["level"] == "red"
    detail = api(world.supervisor).get(f"/api/v1/analysis/text-pairs/{pair.pk}/").json()
    assert any(piece["shared"] for piece in detail["first_text"])
    assert detail["available_steps"] == ["confirm", "dismiss"]
    assert detail["first"]["organization_name"] in ("甲学院党委", "乙学院党委")
    assert api(world.secretary_a).get(f"/api/v1/analysis/text-pairs/{pair.pk}/").status_code == 404
    assert api(world.secretary_a).post(f"/api/v1/analysis/text-pairs/{pair.pk}/confirm/", {}).status_code == 404
    url = f"/api/v1/analysis/text-pairs/{pair.pk}"
    stale = api(world.supervisor).post(f"{url}/confirm/", {"version": 99}, format="json")
    assert stale.status_code == 409
    confirmed = api(world.supervisor).post(f"/api/v1/analysis/text-pairs/{pair.pk}/confirm/", {}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    refused = api(world.supervisor).post(f"/api/v1/analysis/text-pairs/{pair.pk}/dismiss/", {}, format="json")
    assert refused.status_code == 400
    dismissed = api(world.supervisor).post(
        f"/api/v1/analysis/text-pairs/{pair.pk}/dismiss/", {"reason": "系本人两份材料"}, format="json"
    )
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert api(world.supervisor).get("/api/v1/analysis/text-pairs/abc/").status_code == 404


def test_confirmed_pairs_are_the_flags_of_their_kind(world):
    pair = copied_pair(world)
    ids = [pair.first.object_id, pair.second.object_id]
    assert registry.text_flags("speech", ids) == {}
    duplicates.decide_pair(pair, "confirm", actor=world.supervisor)
    flags = registry.text_flags("speech", ids)
    assert set(flags) == {pair.second.object_id}  # the later text is the copy; the earlier is its source
    assert flags[pair.second.object_id][0]["other_org"] == pair.first.organization.display_name
    assert registry.text_flags("observation_record", ids) == {}


def test_the_unit_page_lists_the_pairs_of_the_unit(world, client_for):
    copied_pair(world)
    page = client_for(world.supervisor).get(f"/reports/units/{world.unit_b.pk}/").content.decode()
    assert 'data-testid="unit-pair"' in page
    page = client_for(world.secretary_b).get(f"/reports/units/{world.unit_b.pk}/").content.decode()
    assert 'data-testid="unit-pair"' not in page


def test_a_text_handed_in_word_for_word_by_many_is_a_standard_text_not_a_copy(world):
    """Past the boilerplate limit (20 documents), the same text is a form text: no more pairs for it."""
    from pangting.study.services import add_reflection

    for number in range(20):
        add_reflection(world.member_person, actor=world.member, title=f"体会{number}", text=ORIGINAL)
    before = TextPair.objects.count()
    assert before == 20 * 19 // 2  # the first ones do pair: the next scan drops them as boilerplate
    last = add_reflection(world.member_person, actor=world.member, title="体会", text=ORIGINAL)
    last_doc = TextDocument.objects.get(kind="reflection", object_id=last.pk)
    assert TextPair.objects.count() == before
    assert not TextPair.objects.filter(second=last_doc).exists()
    call_command("scan_texts", "--no-progress", stdout=io.StringIO())
    assert not TextPair.objects.exists()
