"""Profile the bare pipeline with pyinstrument: `python -m bench.profile [N]` writes text and HTML under bench/results/."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.corpus import build_corpus, default_source
from bench.harness import run_bare
from tasks.settings import PROJECT_ROOT, load_settings


def profile_bare(size: int, out: Path, source: Path | None = None) -> Path:
    """Run the bare stage loop over `size` articles under pyinstrument; return the text report's path."""
    from pyinstrument import Profiler

    from tasks.extract.registry import warm_up

    warm_up()  # imports and lexicon loads are a one-off cost, not per-article work
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsfacts-profile-") as tmp:
        corpus = build_corpus(Path(source or default_source()), size, Path(tmp) / "corpus")
        profiler = Profiler(interval=0.002)
        profiler.start()
        phase = run_bare(corpus, Path(tmp) / "wh", load_settings().batch_size)
        profiler.stop()
    text = out / f"profile-bare-{size}.txt"
    text.write_text(f"{phase.as_dict()}\n\n" + profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    (out / f"profile-bare-{size}.html").write_text(profiler.output_html(), encoding="utf-8")
    return text


if __name__ == "__main__":
    print(profile_bare(int(sys.argv[1]) if len(sys.argv) > 1 else 1500, PROJECT_ROOT / "bench" / "results"))
