"""The benchmark harness at a tiny N: distinct replicated articles, and JSON/Markdown/PNG outputs with their fields."""

from __future__ import annotations

import json
import re

import pytest

from bench.corpus import build_corpus, variant, Template
from bench.harness import evaluate_targets, run_benchmark
from tests.conftest import SEED

CORPUS_STYLE = """# doc_id = synth_001
# url = https://bao.example.vn/kinh-te/dau-tu-moi-2024.htm
# date = 20240315
Tỉnh Hòa Bình thu hút 12 dự án đầu tư mới
Trong quý I, tỉnh đã cấp phép cho 12 dự án với tổng vốn 3.500 tỷ đồng.
Ông Nguyễn Văn An, Chủ tịch UBND tỉnh, cho biết con số này tăng 20% so với cùng kỳ.
"""


def test_copies_have_their_own_url_doc_id_and_text():
    template = Template("synth_001", ".txt", CORPUS_STYLE)
    copies = [variant(template, n) for n in range(5)]
    assert copies[0] == CORPUS_STYLE
    urls = [re.search(r"^# url = (\S+)$", c, re.M).group(1) for c in copies]
    doc_ids = [re.search(r"^# doc_id = (\S+)$", c, re.M).group(1) for c in copies]
    bodies = [c.split("# date = 20240315\n", 1)[1] for c in copies]
    assert len(set(urls)) == len(set(doc_ids)) == len(set(bodies)) == 5
    assert urls[3] == "https://bao.example.vn/kinh-te/dau-tu-moi-2024-c000003.htm"
    assert "# date = 20240315" in copies[4]  # the header's numbers are left alone


def test_plain_text_copies_differ_and_spread_over_folders(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / SEED.name).write_bytes(SEED.read_bytes())
    corpus = build_corpus(source, 7, tmp_path / "out")
    files = sorted(corpus.root.rglob("*.txt"))
    assert corpus.articles == len(files) == 7 and corpus.templates == 1
    assert len({f.read_bytes() for f in files}) == 7
    assert corpus.text_bytes == sum(f.stat().st_size for f in files)


@pytest.mark.usefixtures("prefect_harness")
def test_benchmark_writes_json_markdown_and_chart_with_every_figure(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / SEED.name).write_bytes(SEED.read_bytes())
    out = tmp_path / "results"
    results = run_benchmark([3], source, out, batch_size=2, scaling=True, dask=False, peer_sentences=5)

    saved = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert saved["sizes"] == json.loads(json.dumps(results["sizes"]))
    assert {"cpu_model", "logical_cores", "ram_gb", "python", "packages"} <= saved["machine"].keys()
    assert saved["warm_up"]["first_flow_call_s"] > 0 and "embedded_start_s" in saved["warm_up"]
    [small] = saved["sizes"]
    phases = {p["name"]: p for p in small["phases"]}
    assert set(phases) == {"bare", "orchestrated", "no-op rerun", "1 CPU worker"}
    for p in small["phases"]:
        assert {"articles_per_s", "mb_per_s", "wall_s", "peak_rss_mb", "peak_tree_rss_mb", "cores_used",
                "stage_seconds", "cpu_ms_per_article"} <= p.keys()
        assert p["peak_rss_mb"] > 0 and p["wall_s"] > 0
    assert phases["bare"]["counts"]["loaded"] == 3 and phases["orchestrated"]["counts"]["new"] == 3
    assert phases["no-op rerun"]["counts"]["skipped"] == 3 and phases["no-op rerun"]["counts"]["new"] == 0
    assert set(phases["bare"]["stage_seconds"]) == {"fetch", "clean", "extract", "load"}
    assert {"orchestrated_over_bare", "rerun_over_full", "speedup_workers_1_to_2"} <= small["ratios"].keys()
    peer = saved["peer"]
    assert peer["sample_sentences_peer"] == 5 and peer["ours"]["sentences_per_s"] > 0
    assert peer["underthesea"]["sentences_per_s"] > 0 and peer["ours_over_underthesea"] > 0
    names = {t["target"] for t in saved["targets"]}
    assert {"end-to-end throughput", "orchestrated / bare", "no-op rerun / full run", "the flow uses both cores",
            "clean+extract / underthesea NER", "peak RSS at 100k"} <= names

    md = (out / "latest.md").read_text(encoding="utf-8")
    for heading in ("## Embedded Prefect start", "## N = 3 articles", "## Peer baseline",
                    "## Targets"):
        assert heading in md
    assert "| orchestrated |" in md and "| no-op rerun |" in md and saved["machine"]["cpu_model"] in md
    assert (out / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _size(size: int, flow_rate: float, bare_s: float, flow_s: float, rerun_s: float, rss: tuple, cores=1.9) -> dict:
    def phase(name, wall, rate=0.0, peak=0.0, start=0.0):
        return {"name": name, "wall_s": wall, "articles_per_s": rate, "peak_rss_mb": peak, "start_rss_mb": start,
                "peak_tree_rss_mb": peak, "cores_used": cores}

    return {"size": size, "phases": [phase("bare", bare_s, peak=rss[1], start=rss[0]),
                                     phase("orchestrated", flow_s, flow_rate, peak=rss[1])],
            "ratios": {"orchestrated_over_bare": round(flow_s / bare_s, 4), "rerun_over_full": rerun_s / flow_s}}


def test_targets_report_what_is_met_and_by_how_much_the_rest_is_missed():
    results = {"sizes": [_size(1000, 350.0, 3.0, 3.2, 0.1, (200.0, 400.0)),
                         _size(10_000, 100.0, 90.0, 100.0, 10.0, (200.0, 1300.0), cores=1.0)],
               "peer": {"ours_over_underthesea": 25.0, "ours_over_underthesea_cpu": 30.0, "sample_articles": 9}}
    targets = {t["target"]: t for t in evaluate_targets(results)}
    throughput = targets["end-to-end throughput"]
    assert (throughput["measured"], throughput["met"], throughput["at_size"]) == (100.0, False, 10_000)
    assert throughput["gap"] == "3.0x too slow"
    assert targets["orchestrated / bare"]["met"] is False and targets["orchestrated / bare"]["gap"] == "11% overhead"
    assert targets["no-op rerun / full run"]["gap"] == "2.0x the allowance"
    assert targets["the flow uses both cores"]["met"] is False
    assert targets["clean+extract / underthesea NER"]["gap"] == "4.0x short; by CPU time 30.0x"
    assert targets["peak RSS at 100k"]["met"] is None
    growth = targets["RSS grows with batch size, not corpus size"]
    assert growth["measured"] == 100.0 and growth["met"] is False  # (1300 - 400) MB over 9k more articles

    results["sizes"].append(_size(100_000, 400.0, 200.0, 210.0, 5.0, (200.0, 1400.0)))
    targets = {t["target"]: t for t in evaluate_targets(results)}
    assert targets["peak RSS at 100k"]["met"] is True and targets["peak RSS at 100k"]["measured"] == 1400.0
    assert targets["end-to-end throughput"]["at_size"] == 10_000


def test_opaque_variant_wraps_each_chained_future_and_refuses_a_flow_it_does_not_recognise():
    from bench.opaque_ab import opaque_variant_source

    flow = ("from prefect.task_runners import ThreadPoolTaskRunner\n"
            "f = fetch_task.submit(batch, subset, wh)\nc = clean_task.submit(fetched, wh)\n"
            "e = extract_task.submit(cleaned, run_id)\nl = load_task.submit(settings.warehouse, extracted, run_id)\n")
    variant = opaque_variant_source(flow)
    assert "from prefect.utilities.annotations import opaque, quote" in variant
    assert "clean_task.submit(opaque(fetched), wh)" in variant and "load_task.submit(settings.warehouse, " \
        "opaque(extracted), run_id)" in variant and "fetch_task.submit(quote(batch), quote(subset), wh)" in variant
    with pytest.raises(ValueError, match="already using opaque"):
        opaque_variant_source(variant)
