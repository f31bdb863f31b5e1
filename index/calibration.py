"""Calibrating abstention: how high off-topic questions score against one corpus (a helper of the build)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from index.similarity import Calibration, best_similarity

if TYPE_CHECKING:
    from index.embed import Embedder

log = logging.getLogger(__name__)

# Questions about everyday subjects no corpus of ours is meant to answer; they only
# measure how high unrelated questions score against a given corpus. They are kept
# unlike any evaluation question on purpose: they set the background, not the answers.
NULL_QUESTIONS = (
    "What is the weather forecast for tomorrow?",
    "How many calories are in a banana?",
    "Who won the football match last night?",
    "What is a good recipe for pancakes?",
    "How do I reset my router password?",
    "What is the capital city of Australia?",
    "When does the next train leave?",
    "How tall is the tallest mountain in the world?",
    "What is the best way to learn the guitar?",
    "Which planet has the most moons?",
    "How do you say thank you in Japanese?",
    "What songs are popular this summer?",
    "How long should I boil an egg?",
    "What is photosynthesis?",
    "Can you recommend a good novel?",
    "How do I fix a flat bicycle tyre?",
    "What are the symptoms of the flu?",
    "Where can I buy cheap flights?",
    "What is the price of gold today?",
    "How do cats purr?",
    "What is the plot of the latest superhero movie?",
    "How do I install a printer driver?",
    "What is two plus two?",
    "Who painted the Mona Lisa?",
    "hello there",
    "thanks, that's all",
    "lorem ipsum dolor sit amet",
    "asdf qwerty",
    "How do I knit a scarf?",
    "Which dog breeds are good with children?",
    "What is the speed of light?",
    "How do I make my houseplants grow faster?",
)


def calibrate(embedder: Embedder, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> Calibration:
    """Measure how high off-topic questions score on this corpus (the background of abstention).

    Pass the vectors as stored (float16 values): what queries score against, and the same in a
    full and an incremental build.
    """
    probes = embedder.encode(list(NULL_QUESTIONS))
    values = np.asarray([best_similarity(v, chunk_vectors, sentence_vectors) for v in probes], dtype=np.float64)
    return Calibration(null_mean=float(values.mean()), null_std=float(values.std()))
