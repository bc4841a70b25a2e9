"""Smoke test of the near-duplicate benchmark on 300 documents (the real runs are by hand).

`python -m bench.textcheck --docs 20000` is the short run; this only keeps the benchmark from
rotting and checks that its corpus is what it claims to be.
"""

from __future__ import annotations

from bench.textcheck.corpus import LEVELS, generate, lengths
from bench.textcheck.run import Options, check_targets, main, report, run
from pangting.lib.textdup import SHINGLE_K, jaccard, shingle_array


def test_it_generates_the_same_corpus_from_the_same_seed():
    first, again, other = generate(200, seed=3), generate(200, seed=3), generate(200, seed=4)
    assert first.texts == again.texts and first.planted == again.planted
    assert first.texts != other.texts


def test_it_plants_copies_at_the_measured_jaccard_levels_and_keeps_the_lengths():
    corpus = generate(300, seed=3)
    shortest, longest, _ = lengths(corpus)
    assert shortest >= 300 and longest <= 3000
    assert {pair.level for pair in corpus.planted} == set(LEVELS)
    for pair in corpus.planted:
        measured = jaccard(
            shingle_array(corpus.texts[pair.source], SHINGLE_K), shingle_array(corpus.texts[pair.copy], SHINGLE_K)
        )
        assert abs(measured - pair.measured) < 1e-9
        assert abs(measured - pair.level) <= 0.011, pair


def test_it_runs_on_300_documents_and_finds_the_high_copies_without_false_reports():
    result = run(Options(docs=300, queries=40, subset=300, pair_sample=500, min_docs=5))
    checks = {text.split(" ")[0]: ok for text, ok in check_targets(result)}
    assert checks["recall"] and checks["precision"] and checks["boilerplate-only"], check_targets(result)
    assert result.reported and result.true_reported == result.reported
    assert result.query_found_copies == result.query_copies == 20
    text = "\n".join(report(result))
    assert "level  pairs" in text and "0.95" in text and "index memory" in text


def test_it_prints_pass_or_fail_per_target(capsys):
    code = main(["--docs", "300", "--queries", "20", "--subset", "300", "--min-docs", "5", "--quiet"])
    out = capsys.readouterr().out
    assert out.count("PASS") + out.count("FAIL") == 5
    assert code == (0 if "FAIL" not in out else 1)
