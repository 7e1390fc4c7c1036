"""A seeded corpus of COCO/TextCaps-like captions: references and a candidate per image.

References of one image describe the same scene with other words (synonyms, reordering,
optional details), so BLEU, METEOR (incl. its stem/synonym/paraphrase modules), ROUGE-L and
CIDEr-D all see partial matches, and the text carries the punctuation, digits, contractions,
hyphens, quotes and a little unicode that tokenisers must treat exactly like the reference.
"""

from __future__ import annotations

import random

SUBJECTS = [
    ("a man", "a guy", "a person"),
    ("a woman", "a lady", "a person"),
    ("two kids", "two children", "a pair of children"),
    ("a dog", "a puppy", "a pet dog"),
    ("a group of people", "several people", "a crowd"),
    ("the chef", "a cook", "the cook"),
    ("a young girl", "a little girl", "a small girl"),
    ("an old man", "an elderly man", "a senior"),
]
VERBS = [
    ("is holding", "holds", "is carrying"),
    ("is reading", "reads", "is looking at"),
    ("is standing next to", "stands beside", "is standing near"),
    ("is pointing at", "points to", "is gesturing toward"),
    ("is selling", "sells", "is offering"),
    ("is walking past", "walks by", "is passing"),
]
OBJECTS = [
    ("a red stop sign", "a stop sign", "a red sign"),
    ("a large poster", "a big poster", "a huge poster"),
    ('a book titled "The Night Garden"', 'a book called "The Night Garden"', "a novel"),
    ("a menu board", "a blackboard menu", "a board with a menu"),
    ("a bottle of wine", "a wine bottle", "a bottle"),
    ("a store front", "a shop front", "a storefront"),
    ("a laptop screen", "a computer screen", "a monitor"),
    ("a street sign", "a road sign", "a sign on the street"),
]
PLACES = [
    ("on a busy street", "on a crowded street", "in the city"),
    ("in a kitchen", "inside a kitchen", "at the kitchen counter"),
    ("at the train station", "in a station", "on the platform"),
    ("in front of a café", "outside a cafe", "near a coffee shop"),
    ("at night", "in the evening", "after dark"),
    ("in a well-lit room", "in a bright room", "indoors"),
]
DETAILS = [
    'that says "SALE 50% OFF"',
    "with the number 42 on it",
    "reading 'open 24/7'",
    "priced at $3.99",
    "dated 12/05/2023",
    'with the words "don\'t walk"',
    "(partly hidden)",
    "-- and it's raining",
    "; the sign reads STOP!",
    "with a U.S. flag",
    "at 10:30 a.m.",
    "next to a 2-for-1 deal",
    "which isn't lit",
    "with Mr. Smith's name",
    "… and more text",
    "labelled “fresh”",
    "e.g. a price tag",
    "rated 4.5/5 stars",
]
ENDINGS = [".", "", " .", "!", "?", "...", ".."]


def _pick(rng: random.Random, group: tuple[str, ...], variant: int) -> str:
    return group[variant] if rng.random() < 0.7 else rng.choice(group)


def _caption(rng: random.Random, scene: dict, variant: int) -> str:
    parts = [
        _pick(rng, scene["subject"], variant),
        _pick(rng, scene["verb"], variant),
        _pick(rng, scene["object"], variant),
    ]
    if rng.random() < 0.8:
        parts.append(_pick(rng, scene["place"], variant))
    if rng.random() < 0.5:
        parts.append(rng.choice(scene["details"]))
    if rng.random() < 0.15:  # word order changes: fragmentation for METEOR, LCS for ROUGE
        parts = [parts[3], *parts[:3], *parts[4:]] if len(parts) > 3 else parts
    text = " ".join(parts)
    text = text[0].upper() + text[1:] if rng.random() < 0.8 else text
    return text + rng.choice(ENDINGS)


def make_corpus(rng: random.Random, images: int, refs: int) -> tuple[list[str], list[list[str]]]:
    predictions, references = [], []
    for _ in range(images):
        scene = {
            "subject": rng.choice(SUBJECTS),
            "verb": rng.choice(VERBS),
            "object": rng.choice(OBJECTS),
            "place": rng.choice(PLACES),
            "details": rng.sample(DETAILS, 3),
        }
        references.append([_caption(rng, scene, rng.randrange(3)) for _ in range(refs)])
        roll = rng.random()
        if roll < 0.01:
            predictions.append("")  # empty candidate
        elif roll < 0.03:  # a long, rambling candidate
            predictions.append(" ".join(_caption(rng, scene, rng.randrange(3)) for _ in range(6)))
        else:
            predictions.append(_caption(rng, scene, rng.randrange(3)))
    return predictions, references
