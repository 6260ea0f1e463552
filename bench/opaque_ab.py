"""A/B of the flow as it is vs with opaque()/quote() around chained task inputs: `python -m bench.opaque_ab [N]`.

Prefect resolves a task's parameters with visit_collection, which walks every object nested in
an upstream result (every Article, paragraph and row dict of a batch). `opaque(future)` resolves
the future without walking its contents. The variant is built from flows/ingest.py's own source
so the comparison follows the code as it changes; it prints the figures of bare, current, variant.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

from tasks.settings import PROJECT_ROOT

# (what the flow says, what the variant says instead)
REWRITES = (
    ("from prefect.task_runners import ThreadPoolTaskRunner\n",
     "from prefect.task_runners import ThreadPoolTaskRunner\nfrom prefect.utilities.annotations import opaque, quote\n"),
    ("fetch_task.submit(batch, subset,", "fetch_task.submit(quote(batch), quote(subset),"),
    ("clean_task.submit(fetched,", "clean_task.submit(opaque(fetched),"),
    ("extract_task.submit(cleaned,", "extract_task.submit(opaque(cleaned),"),
    ("load_task.submit(settings.warehouse, extracted,", "load_task.submit(settings.warehouse, opaque(extracted),"),
)


def opaque_variant_source(source: str) -> str:
    """flows/ingest.py's source with the chained futures wrapped; raises if the flow no longer matches."""
    for old, new in REWRITES:
        if old not in source:
            raise ValueError(f"flows/ingest.py changed: {old!r} not found (already using opaque?)")
        source = source.replace(old, new, 1)
    return source


def load_variant(workdir: Path):
    """The variant flow module, importable by name (dataclasses and pickling need sys.modules)."""
    path = workdir / "ingest_opaque.py"
    path.write_text(opaque_variant_source((PROJECT_ROOT / "flows" / "ingest.py").read_text(encoding="utf-8")))
    spec = importlib.util.spec_from_file_location("ingest_opaque", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ingest_opaque"] = module
    spec.loader.exec_module(module)
    return module


def main(size: int) -> dict:
    import flows.runners as runners
    from prefect.task_runners import ThreadPoolTaskRunner

    from bench.corpus import build_corpus, default_source
    from bench.harness import WARMUP_ARTICLES, run_bare, run_flow

    tmp = Path(tempfile.mkdtemp(prefix="newsfacts-ab-"))
    variant = load_variant(tmp).ingest.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))
    run_flow(build_corpus(default_source(), WARMUP_ARTICLES, tmp / "warm"), tmp / "wh-warm", 200)
    corpus = build_corpus(default_source(), size, tmp / "corpus")
    out = {"bare": run_bare(corpus, tmp / "wh-bare", 200).as_dict(),
           "current": run_flow(corpus, tmp / "wh-current", 200).as_dict()}
    original = runners.flow_with_runner
    runners.flow_with_runner = lambda kind="threads", workers=2, dask_address=None: variant
    try:
        out["opaque"] = run_flow(corpus, tmp / "wh-opaque", 200, "orchestrated (opaque)").as_dict()
    finally:
        runners.flow_with_runner = original
    return out


if __name__ == "__main__":
    results = main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
    for name, phase in results.items():
        print(name, json.dumps({k: phase[k] for k in ("wall_s", "articles_per_s", "cpu_s", "cpu_ms_per_article",
                                                       "peak_tree_rss_mb", "load_avg")}))
