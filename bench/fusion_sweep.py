"""A learned re-ranking of follow-ups, measured and not shipped (docs/retrieval.md, "Fourteenth pass:
follow-ups"): the ceilings of a perfect reorder, the cross-fit on the tuning halves, the fully nested one,
and the same weights end to end, every earlier follow-up of a thread re-ranked too. The re-ranking itself
is bench/fusion.py; its end-to-end reading bench/fusion_end.py.

    .venv/bin/python bench/fusion_sweep.py [--index-root DIR] [--part ceilings|crossfit|nested|end-to-end|all]
    .venv/bin/python bench/fusion_sweep.py --index-root DIR --held FILE [FILE ...]

``--held`` reads held-out files once, after the decision: the thirteenth pass beside the re-rankings chosen
and trained on every tuning batch (nothing is chosen on the held-out files).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.conversation import opener
from bench.fusion import ceilings, collect_all, crossfit, fully_nested
from bench.fusion_end import end_to_end, held_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-root", type=Path, help="keep the indexes here (default: a temporary folder)")
    parser.add_argument("--part", choices=("ceilings", "crossfit", "nested", "end-to-end", "all"), default="all")
    parser.add_argument("--held", type=Path, nargs="*", help="held-out follow-up files, read once at the end")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citebot-fusion-") as tmp:
        opened = opener(args.index_root or Path(tmp))
        if args.held:
            held_out(opened, args.held)
            return
        if args.part in ("ceilings", "all"):
            ceilings(opened)
        if args.part in ("crossfit", "all"):
            crossfit(opened)
        if args.part == "nested":
            fully_nested(collect_all(opened))
        if args.part in ("end-to-end", "all"):
            end_to_end(opened)


if __name__ == "__main__":
    main()
