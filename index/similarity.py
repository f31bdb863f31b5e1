"""How far a question stands above the off-topic background of a corpus: the abstention rule.

At build time, questions no corpus of ours is about are embedded and their best
similarity to the corpus recorded (:class:`Calibration`, :func:`index.build.calibrate`).
A question the sources are not about does not stand out from that background
(:func:`off_topic`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """What off-topic questions score on this corpus: the background an answer must stand out from."""

    null_mean: float
    null_std: float

    def z(self, similarity: float) -> float:
        """How many standard deviations above the off-topic background a similarity stands."""
        return (similarity - self.null_mean) / max(self.null_std, 1e-6)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# Evidence = z + LEXICAL_WEIGHT * support: a passage holding every word of the question
# (support 1) is worth as much as a similarity three standard deviations above the
# background. An answer needs EVIDENCE_NEEDED; with no word of the question anywhere
# in the sources (a paraphrase, or noise), the semantic match alone must reach
# SEMANTIC_ALONE_NEEDED.
LEXICAL_WEIGHT = 3.0
EVIDENCE_NEEDED = 3.0
SEMANTIC_ALONE_NEEDED = 4.0


def off_topic(best_similarity: float, calibration: Calibration, support: float) -> bool:
    """Whether the sources do not answer: the best match does not stand out from what
    off-topic questions reach on this corpus.

    Args:
        best_similarity: The question's best cosine with any chunk or sentence (:func:`best_similarity`).
        calibration: This corpus's off-topic background.
        support: The lexical support of the question, from :meth:`Lexicon.support` (0 to 1).
    """
    z = calibration.z(best_similarity)
    if support <= 0.0:
        return z < SEMANTIC_ALONE_NEEDED
    return z + LEXICAL_WEIGHT * support < EVIDENCE_NEEDED


def best_similarity(vector: np.ndarray, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> float:
    """The best cosine of a unit vector with any chunk or sentence."""
    return float(max((chunk_vectors @ vector).max(initial=-1.0), (sentence_vectors @ vector).max(initial=-1.0)))
