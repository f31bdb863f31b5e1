"""``python -m index.export``: export a model to ONNX (the bundled one by default).

The command line lives apart from :mod:`index.export` because it works through the export
cache (:mod:`index.onnx_cache`), which itself calls the exporter on first use.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from index import onnx_cache
from index.errors import CitebotError
from index.export import export_model
from index.model import default_model_path
from index.onnx_backend import METADATA


def main(argv: list[str] | None = None) -> int:
    """``python -m index.export``: export a model (the bundled one by default); 0 on success."""
    parser = argparse.ArgumentParser(
        prog="python -m index.export", description="export a model to ONNX (the bundled one by default)"
    )
    parser.add_argument("model", nargs="?", type=Path, help="a local sentence-transformers model (default: bundled)")
    parser.add_argument("--out", type=Path, help="write the export here instead of the export cache")
    parser.add_argument("--force", action="store_true", help="export again even when an export is current")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        if args.out is not None:
            if _foreign_files(args.out):
                say(
                    f"{args.out} holds files that are not an export; give an empty or new folder "
                    "(an export writes model.onnx and the tokenizer's files there)"
                )
                return 1
            source = args.model or default_model_path()
            started = time.perf_counter()
            version = onnx_cache.bundled_version() if args.model is None else None
            meta = export_model(source, args.out, source_version=version)
            say(
                f"exported {source} to {args.out} in {time.perf_counter() - started:.1f} s (cosine {meta['parity_min_cosine']:.6f})"
            )
            return 0
        if args.force:
            onnx_cache.forget(args.model)
        folder = onnx_cache.onnx_folder(args.model, say=say)
    except CitebotError as error:
        say(f"{type(error).__name__}: {error}")
        return 1
    say(f"ONNX export of {args.model or onnx_cache.BUNDLED}: {folder}")
    return 0


def _foreign_files(out: Path) -> bool:
    """Whether ``out`` is a folder with files in it that no export wrote (an export would overwrite them)."""
    return out.is_dir() and any(out.iterdir()) and not (out / METADATA).is_file()


if __name__ == "__main__":
    sys.exit(main())
