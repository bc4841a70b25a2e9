"""Near-duplicate texts (issue 13): normalization, shingles, boilerplate, index, exact check, files."""

from __future__ import annotations

import functools
import io
import random
import zipfile

import docx
import numpy as np
import pytest
from pypdf import PdfWriter

from bench.textcheck.corpus import generate
from pangting.lib.textdup import (
    FLAG_THRESHOLD,
    SIGNATURE_BYTES,
    BoilerplateModel,
    DocumentFrequencies,
    TextIndex,
    UnreadableFile,
    extract_text,
    find_matches,
    normalize,
    shared_passages,
    shingle_array,
    shingles,
    signature,
    signature_from_bytes,
    signature_to_bytes,
    verify,
)

SLOGANS = [
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大和二十届二中、三中全会精神。",
    "深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
    "以学铸魂、以学增智、以学正风、以学促干，推动学习贯彻工作走深走实。",
    "要以高度的政治责任感和历史使命感，把学习贯彻工作作为当前和今后一个时期的重大政治任务。",
    "切实抓紧抓实抓好，确保各项部署要求落地见效，以实际行动检验学习成效。",
]

SPEECH = [
    "今年以来，我们在乡村振兴工作中投入资金三千二百万元，新建高标准农田一万四千亩。",
    "东坪村的茶叶合作社带动一百二十户农户增收，户均增收八千余元。",
    "调研中发现，部分村级集体经济仍然依赖上级补助，自我发展能力不足。",
    "下一步要在产业链延伸上下功夫，推动茶叶精深加工和电商销售。",
    "在基层治理方面，我们推行网格化管理，全镇划分为四十六个网格。",
    "网格员每月入户走访不少于两次，群众反映的问题七日内办结。",
    "对照中心组学习的要求，我个人在理论联系实际方面还有差距。",
    "有时满足于读原文、记笔记，对解决实际问题思考得还不够深。",
    "今后我将把学习成果转化为推动工作的具体举措，每季度至少到联系村调研一次。",
    "同时加强对分管领域干部的教育管理，严格落实中央八项规定精神。",
]

OTHER_SPEECH = [
    "我分管的教育工作今年新增学位一千八百个，新建改扩建学校五所。",
    "城区学校大班额问题基本解决，乡村教师周转宿舍建成投用。",
    "但是教师队伍结构性缺编问题仍然突出，音体美教师不足。",
    "下一步要推动县域内教师交流轮岗，完善乡村教师生活补助政策。",
    "在安全生产方面，全年开展校园安全隐患排查十二次，整改问题八十三个。",
]


@functools.cache
def _background() -> tuple[str, ...]:
    return tuple(generate(300, seed=5).texts)


def _slogan_corpus() -> list[str]:
    """A small corpus in which the slogans open and close many documents, as in real texts."""
    texts = _background()
    rng = random.Random(9)
    return [("".join(rng.sample(SLOGANS, 3)) + text) if n % 3 == 0 else text for n, text in enumerate(texts)]


# Normalization and shingles --------------------------------------------------------------------


def test_it_normalizes_full_width_case_whitespace_and_punctuation():
    assert normalize("ＡＢＣ　１２３，学习！\n第一议题。") == "abc123学习第一议题"
    assert normalize("“两个确立”") == normalize("两个确立")
    assert normalize("，。！ \t") == ""


def test_it_cuts_hashed_character_shingles_after_normalization():
    assert len(shingles("第一议题制度落实", k=5)) == 4
    assert shingles("第一议题，制度落实。", k=5) == shingles("第一议题制度落实", k=5)
    assert shingles("学习", k=5) == shingles("学 习", k=5) and len(shingles("学习", k=5)) == 1
    assert shingles("", k=5) == set() and shingles("。，", k=5) == set()
    assert shingles("第一议题制度", k=5) != shingles("第二议题制度", k=5)
    array = shingle_array("".join(SPEECH))
    assert array.dtype == np.uint32 and np.all(array[1:] > array[:-1])


# Boilerplate --------------------------------------------------------------------------------


def test_it_counts_shingles_in_more_documents_than_the_limit_as_boilerplate():
    docs = [{1, 2, 3}] * 30 + [{2, 4}] * 5 + [{5}]
    model = BoilerplateModel.fit(docs, max_share=0.5, min_docs=10, chunk=7)
    assert model.n_docs == 36 and model.limit == 18
    assert 1 in model and 2 in model and 3 in model
    assert 4 not in model and 5 not in model
    assert model.counts.tolist() == [30, 35, 30]
    assert model.drop([1, 4, 5, 2]).tolist() == [4, 5]


def test_it_counts_document_frequencies_as_the_documents_stream_past():
    rng = np.random.default_rng(7)
    docs = [np.unique(rng.integers(0, 400, size=int(rng.integers(1, 60))).astype(np.uint32)) for _ in range(500)]
    whole = DocumentFrequencies(chunk=10_000)
    streamed = DocumentFrequencies(chunk=3)  # chunk tables merged into the running one many times
    for doc in docs:
        whole.add(doc)
        streamed.add(doc)
    keys, counts = streamed.table()
    expected = np.unique(np.concatenate(docs), return_counts=True)
    assert keys.tolist() == expected[0].tolist() and counts.tolist() == expected[1].tolist()
    assert whole.table()[1].tolist() == counts.tolist()
    model = streamed.model(max_share=0.05, min_docs=5)
    assert model.n_docs == 500 and model.frequent.tolist() == keys[counts > 25].tolist()


def test_it_keeps_a_floor_so_a_small_corpus_does_not_call_shared_sentences_boilerplate():
    model = BoilerplateModel.fit([{7}] * 15 + [{8}] * 100, max_share=0.001, min_docs=20)
    assert model.limit == 20
    assert 7 not in model and 8 in model


def test_it_stores_the_boilerplate_model_as_bytes_and_refuses_damaged_ones():
    model = BoilerplateModel.fit(_shingle_sets(_slogan_corpus()))
    again = BoilerplateModel.from_bytes(model.to_bytes())
    assert again.n_docs == model.n_docs and again.limit == model.limit
    assert np.array_equal(again.frequent, model.frequent) and np.array_equal(again.counts, model.counts)
    with pytest.raises(ValueError, match="boilerplate"):
        BoilerplateModel.from_bytes(model.to_bytes()[:-3])
    with pytest.raises(ValueError, match="boilerplate"):
        BoilerplateModel.from_bytes(b"garbage")


def _shingle_sets(texts: list[str]) -> list[np.ndarray]:
    return [shingle_array(text) for text in texts]


# Detection ------------------------------------------------------------------------------------


def _edited_copy(sentences: list[str], share: float, seed: int) -> str:
    """Replace `share` of the sentences with others and swap two: a 10% edited copy."""
    rng = random.Random(seed)
    copy = list(sentences)
    for position in rng.sample(range(len(copy)), max(1, round(len(copy) * share))):
        copy[position] = OTHER_SPEECH[position % len(OTHER_SPEECH)]
    copy[2], copy[3] = copy[3], copy[2]
    return "".join(copy)


def test_it_finds_a_copy_with_ten_percent_of_sentences_edited():
    corpus = _slogan_corpus()
    original = "".join(SLOGANS[:2]) + "".join(SPEECH)
    copy = "".join(SLOGANS[:2]) + _edited_copy(SPEECH, 0.1, seed=1)
    model = BoilerplateModel.fit(_shingle_sets([*corpus, original]))
    index = TextIndex()
    for key, text in enumerate(corpus):
        index.insert(key, signature(model.drop(shingle_array(text))))
    index.insert("speech:1", signature(model.drop(shingle_array(original))))

    mine = model.drop(shingle_array(copy))
    candidates = index.query(signature(mine))
    assert "speech:1" in candidates
    score = verify(shingle_array(copy), shingle_array(original), model)
    assert score >= FLAG_THRESHOLD, score


def test_it_does_not_flag_two_different_speeches_sharing_only_slogans():
    """R: slogans and standard phrases frequent in the corpus do not count as copying."""
    corpus = _slogan_corpus()
    first = "".join(SLOGANS) + SPEECH[1]
    second = "".join(SLOGANS) + OTHER_SPEECH[1]
    model = BoilerplateModel.fit(_shingle_sets([*corpus, first, second]))
    a, b = shingle_array(first), shingle_array(second)
    assert verify(a, b) >= FLAG_THRESHOLD  # without the model they would be flagged
    assert verify(a, b, model) < FLAG_THRESHOLD / 2  # only the seams between slogans remain
    index = TextIndex()
    index.insert("first", signature(model.drop(a)))
    assert "first" not in index.query(signature(model.drop(b)))


def test_it_checks_one_new_document_and_grades_its_matches():
    corpus = _slogan_corpus()
    original = "".join(SPEECH)
    texts = {"speech:1": original, "speech:2": _edited_copy(SPEECH, 0.2, seed=3), "minutes:3": corpus[1]}
    model = BoilerplateModel.fit(_shingle_sets([*corpus, *texts.values()]))
    index = TextIndex()
    for key, text in texts.items():
        index.insert(key, signature(model.drop(shingle_array(text))))

    def stored(key):
        return shingle_array(texts[key]) if key != "speech:2" or "gone" not in texts else None

    matches = find_matches(model.drop(shingle_array(original)), index, stored, boilerplate=model, exclude="speech:1")
    assert [m.key for m in matches] == ["speech:2"]
    assert FLAG_THRESHOLD <= matches[0].score < 0.8 and not matches[0].red
    exact = find_matches(model.drop(shingle_array(original)), index, stored, boilerplate=model)
    assert exact[0].key == "speech:1" and exact[0].score == 1.0 and exact[0].red
    texts["gone"] = ""  # a candidate whose record was deleted meanwhile is skipped
    assert [m.key for m in find_matches(model.drop(shingle_array(original)), index, stored, boilerplate=model)] == [
        "speech:1"
    ]
    with pytest.raises(ValueError, match="thresholds"):
        find_matches(model.drop(shingle_array(original)), index, stored, flag=0.9, red=0.8)


def test_it_does_not_flag_a_pair_on_a_handful_of_shared_shingles():
    """Two short texts alike only in a few words (or seams between standard paragraphs) carry no evidence."""
    short = shingle_array("第一议题制度落实到位")
    index = TextIndex()
    index.insert("comment:1", signature(short))
    assert len(short) < 20
    assert find_matches(short, index, lambda key: short) == []
    assert [m.key for m in find_matches(short, index, lambda key: short, min_shared=1)] == ["comment:1"]


def test_it_verifies_exact_jaccard():
    assert verify({1, 2, 3}, {1, 2, 3}) == 1.0
    assert verify({1, 2, 3, 4}, {3, 4, 5, 6}) == pytest.approx(2 / 6)
    assert verify({1, 2}, {3}) == 0.0
    assert verify(set(), set()) == 0.0
    model = BoilerplateModel(
        n_docs=100, min_docs=1, frequent=np.array([3, 4], dtype=np.uint32), counts=np.array([50, 50], dtype=np.uint32)
    )
    assert verify({1, 2, 3, 4}, {1, 3, 4, 5}, model) == pytest.approx(1 / 3)


# Signatures and the index --------------------------------------------------------------------


def test_it_serialises_signatures_compactly_and_refuses_other_lengths():
    sig = signature(shingle_array("".join(SPEECH)))
    data = signature_to_bytes(sig)
    assert len(data) == SIGNATURE_BYTES == 512
    assert signature_from_bytes(data) == sig
    with pytest.raises(ValueError, match="512"):
        signature_from_bytes(data[:-4])


def test_it_indexes_removes_and_replaces_documents():
    index = TextIndex()
    speech = signature(shingle_array("".join(SPEECH)))
    other = signature(shingle_array("".join(OTHER_SPEECH)))
    index.insert(1, speech)
    index.insert("minutes:2", other)
    assert len(index) == 2 and index.query(speech) == [1]
    index.insert(1, other)  # the record's text changed
    assert sorted(index.query(other), key=str) == [1, "minutes:2"] and index.query(speech) == []
    index.remove(1)
    index.remove(404)  # never indexed: ignored
    assert 1 not in index and index.query(other) == ["minutes:2"]


def test_it_keeps_but_never_matches_documents_without_text():
    index = TextIndex()
    index.insert("scan", signature([]))
    index.insert("scan2", signature([]))
    assert "scan" in index and index.query(signature([])) == [] and index.candidate_pairs() == set()


def test_it_lists_each_candidate_pair_once_for_a_whole_scan():
    index = TextIndex()
    text = "".join(SPEECH)
    index.insert("a", signature(shingle_array(text)))
    index.insert("b", signature(shingle_array(text)))
    index.insert("c", signature(shingle_array("".join(OTHER_SPEECH))))
    assert index.candidate_pairs() == {("a", "b")}


def test_it_saves_and_loads_the_index(tmp_path):
    index = TextIndex()
    for key, text in enumerate(_slogan_corpus()[:50]):
        index.insert(f"doc:{key}", signature(shingle_array(text)))
    path = tmp_path / "textdup.idx"
    index.save(path)
    again = TextIndex.load(path)
    assert list(again.keys()) == list(index.keys())
    probe = index.signature_of("doc:7")
    assert again.query(probe) == index.query(probe) and "doc:7" in again.query(probe)
    with pytest.raises(ValueError, match="text index"):
        TextIndex.from_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="text index"):
        TextIndex.from_bytes(b"not an index at all")


# Passages ---------------------------------------------------------------------------------------


def test_it_finds_shared_passages_in_original_offsets_even_when_reordered():
    a = "第一段：" + SPEECH[0] + "\n第二段：" + SPEECH[4] + SPEECH[5]
    b = "（转）" + SPEECH[5].replace("，", ", ") + "另有内容。" + SPEECH[0]
    passages = shared_passages(a, b, min_len=12)
    assert len(passages) >= 2
    for start_a, end_a, start_b, end_b in passages:
        assert normalize(a[start_a:end_a]) == normalize(b[start_b:end_b])
        assert len(normalize(a[start_a:end_a])) >= 12
    covered = "".join(a[s:e] for s, e, _, _ in passages)
    assert normalize(SPEECH[0]) in normalize(covered) and normalize(SPEECH[5]) in normalize(covered)


def test_it_finds_no_passage_between_unrelated_texts():
    assert shared_passages("".join(SPEECH), "".join(OTHER_SPEECH), min_len=12) == []
    with pytest.raises(ValueError):
        shared_passages("a", "b", min_len=0)


# Files ------------------------------------------------------------------------------------------


def _pdf(content: bytes, resources: bytes, extra: list[bytes] | None = None) -> bytes:
    """A minimal one-page PDF with the given content stream and resources."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + resources + b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *(extra or []),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_it_reads_the_text_layer_of_a_pdf():
    pdf = _pdf(
        b"BT /F1 12 Tf 72 720 Td (Study notes on the first topic) Tj ET",
        b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>",
    )
    assert "Study notes on the first topic" in (extract_text(pdf, "发言材料.PDF") or "")


def test_it_lists_a_scanned_pdf_as_no_text():
    image = (
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8"
        b" /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"
    )
    scan = _pdf(b"q 500 0 0 700 50 50 cm /Im1 Do Q", b"<< /XObject << /Im1 5 0 R >> >>", [image])
    assert extract_text(scan, "扫描件.pdf") is None
    blank = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(blank)
    assert extract_text(blank.getvalue(), "blank.pdf") is None


def test_it_reads_a_docx_with_its_tables():
    document = docx.Document()
    document.add_paragraph("结合本单位实际，学习第一议题。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "研讨题目"
    table.cell(0, 1).text = "习近平新时代中国特色社会主义思想"
    buffer = io.BytesIO()
    document.save(buffer)
    text = extract_text(buffer.getvalue(), "心得体会.docx") or ""
    assert "学习第一议题" in text and "研讨题目" in text and "中国特色社会主义思想" in text


def test_it_reads_plain_text_in_utf8_or_gb18030():
    assert extract_text("学习体会".encode("gb18030"), "a.txt") == "学习体会"
    assert extract_text("学习体会".encode(), "a.TXT") == "学习体会"
    assert extract_text(b"  \n ", "empty.txt") is None


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_it_refuses_an_encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableFile, match="encrypted"):
        extract_text(buffer.getvalue(), "locked.pdf")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 broken", "x.pdf"),
        (b"PK not a zip", "x.docx"),
        (_zip({"[Content_Types].xml": b"<Types"}), "x.docx"),  # a zip with broken XML inside
        (b"MZ", "x.exe"),
        (b"", "noext"),
    ],
)
def test_it_refuses_damaged_or_unsupported_files(data, name):
    with pytest.raises(UnreadableFile):
        extract_text(data, name)
