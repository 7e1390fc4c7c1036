"""The OCR quality gate: which lines are fit to quote in captions, questions and answers.

OCR engines read more than the text a person sees: a reflection read as letters, a logo read as
a glyph, the cut-off edge of a book spine, a line read twice. The gate gives every line (after
``order_lines``) a ``quality`` in [0, 1] and a list of ``flags``; a flagged line stays in
``OcrResult.lines`` and ``OcrResult.text`` (evidence indices keep pointing at it) but
generation quotes only clean lines (``OcrResult.clean_text``).

Flags (``OcrLine.flags``; empty = clean):

``low_confidence``  the engine itself doubts the line: its score is below ``MIN_CONFIDENCE``.
``other_script``    most of its letters are in a script the build's language is not written in
                    (a Chinese line in an English build). Not junk, but not quotable in a caption
                    or question of that language.
``garbled``         its text does not read as text: the line's quality (plausibility × a
                    confidence factor) is below ``MIN_QUALITY``. Plausibility is the weighted
                    share of plausible tokens: dictionary words (``wordfreq.zipf_frequency`` in the
                    build's language), numbers, prices, dates, codes ("JM0325955-V", "A05030") and
                    pronounceable unknown words (names) count for it; tokens no print would hold
                    count against it, twice: a digit glued to letters that are no unit ("1dy",
                    "Aga1"), scrambled capitals ("pororcEo", "BjF"), letters of two scripts in
                    one word ("买众E"), a word that reads right only backwards (a mirror
                    image), an unpronounceable letter string, a rare word that one look-alike
                    swap ("rn"/"m", "i"/"l", "0"/"O") makes a common one ("Payabie",
                    "CL0SED"), a lower-case word that two swaps make one ("enauirv"), a
                    rare three-letter word that one swap makes a very common one ("anv"),
                    a capital "I" for an "l" after a first capital ("BIk", "JIn", "OIympic").
                    A rare word is not a junk word:
                    a line of unknown names with good confidence stays clean.
``too_short``       a lone letter ("C"): too little to be text anyone would ask about.
``duplicate``       the same text (rapidfuzz ratio ≥ ``DUPLICATE_RATIO``) read again at the same
                    place (boxes overlapping by ``DUPLICATE_OVERLAP``), or a variant reading with
                    the same digits whose box touches the other's; the worse reading is flagged.
                    Text printed twice in two places stays clean. (Two reads on one row are
                    joined into one line by ``order_lines`` before the gate sees them.)

Lines without letters or digits (separators "******") get a quality and no flag: generation
skips them anyway. Flags are named by the constants below; ``GATE_VERSION`` changes whenever
the rules change, so a build records which gate made its flags.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from wordfreq import zipf_frequency

from ..records import OcrLine
from ..text.words import collapse_spaces

GATE_VERSION = "ocr-gate@3"

LOW_CONFIDENCE = "low_confidence"
OTHER_SCRIPT = "other_script"
GARBLED = "garbled"
TOO_SHORT = "too_short"
DUPLICATE = "duplicate"
FLAGS = (LOW_CONFIDENCE, OTHER_SCRIPT, GARBLED, TOO_SHORT, DUPLICATE)

DEFAULT_LANGUAGE = "en"
MIN_CONFIDENCE = 0.5  # engine score below which a line is flagged low_confidence
# The confidence factor of quality: 1 at FULL_CONFIDENCE and above, 0 at ZERO_CONFIDENCE.
FULL_CONFIDENCE = 0.9
ZERO_CONFIDENCE = 0.4
MIN_QUALITY = 0.5  # below this a line is garbled
OTHER_SCRIPT_SHARE = 0.5  # share of letters in other scripts above which a line is other_script
DUPLICATE_RATIO = 90  # rapidfuzz ratio (0-100) of two readings of the same text
DUPLICATE_OVERLAP = 0.5  # box intersection over the smaller box that makes two reads one place

# Unicode script (first word of a character's name) of each wordfreq language. Latin is
# accepted in every build: brand names, units and codes are Latin on signs everywhere.
_LATIN = "ca cs da de en es fi fil fr hu id is it lt lv ms nb nl pl pt ro sk sl sv tr vi".split()
SCRIPTS: dict[str, frozenset[str]] = {
    **{lang: frozenset({"LATIN"}) for lang in _LATIN},
    "sh": frozenset({"LATIN", "CYRILLIC"}),
    **{lang: frozenset({"CYRILLIC", "LATIN"}) for lang in ("bg", "mk", "ru", "uk")},
    "el": frozenset({"GREEK", "LATIN"}),
    "he": frozenset({"HEBREW", "LATIN"}),
    **{lang: frozenset({"ARABIC", "LATIN"}) for lang in ("ar", "fa", "ur")},
    "hi": frozenset({"DEVANAGARI", "LATIN"}),
    "bn": frozenset({"BENGALI", "LATIN"}),
    "ta": frozenset({"TAMIL", "LATIN"}),
    "zh": frozenset({"CJK", "LATIN"}),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA", "LATIN"}),
    "ko": frozenset({"HANGUL", "CJK", "LATIN"}),
}
LANGUAGES = tuple(sorted(SCRIPTS))
# Scripts a letter is counted in (other letters, such as "µ" or "ª", belong to none).
_KNOWN_SCRIPTS = frozenset().union(*SCRIPTS.values()) | frozenset(
    """
ARMENIAN GEORGIAN ETHIOPIC THAI LAO KHMER MYANMAR TIBETAN MONGOLIAN SINHALA GUJARATI GURMUKHI
KANNADA MALAYALAM TELUGU ORIYA SYRIAC THAANA BOPOMOFO YI CHEROKEE NKO TIFINAGH JAVANESE BALINESE
""".split()
)
# Languages whose words wordfreq can look up without extra tokenizers; the rest (and every
# word in another script than the language's own) are judged by form only.
_SPACED = frozenset(SCRIPTS) - {"zh", "ja", "ko"}

# Letters that may follow a number: units, ordinals, multipliers, currencies.
_UNITS = frozenset(
    """
st nd rd th x pc pcs pk kg g mg lb lbs oz ml l cl dl ltr m cm mm km ft in yd mi k kb mb gb tb
px pt am pm h hr hrs min mins s sec ms d yr yrs w kw v a mah hz khz mhz ghz p um ug ul ª º
""".split()
)
_IDEOGRAPHIC = frozenset({"CJK", "HANGUL", "HIRAGANA", "KATAKANA"})  # one glyph can be a word
_VOWELS = frozenset("aeiouyàáâäãåèéêëìíîïòóôöõùúûüýÿæœø")
_TOKEN = re.compile(r"[^\W_]+")  # maximal runs of letters and digits
# Capitals no spelling, brand or camel case puts there: "BjF", "pororcEo", "MGjaiah", "aBcD",
# "baskinBRrobbins".
_WEIRD_CASE = re.compile(
    r"[A-Z][a-z][A-Z]|[a-z][A-Z][a-z]?$|^[A-Z]{2,}[a-z]{2}|[a-z][A-Z][a-z][A-Z]"
    r"|[a-z][A-Z]{2,}[a-z]"
)
_CASE_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]+|[a-z]+")
# Web addresses and e-mails are one plausible token whatever their words look like.
_ADDRESS = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|"
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|edu|gov|io|co|info|biz|me|tv|"
    r"[a-z]{2})(?:\.[a-z]{2})?(?:/\S*)?\b",
    re.IGNORECASE,
)

# Token plausibility (value, weight). Junk tokens weigh double: one in a short line sinks it.
_JUNK = (0.0, 2.0)
# Glyphs OCR engines mistake for one another in Latin print (lower-cased); a rare word that one
# such swap turns into a common word is that word misread: "Payabie", "Narne", "Involce".
_LOOKALIKES = ("il1|!tj", "o0ceaqd", "nmh", "vyu", "bh", "s5", "z2", "g9q", "b8", "fp", "ek")
_SWAPS = {
    c: frozenset("".join(g for g in _LOOKALIKES if c in g)) - {c} for c in "".join(_LOOKALIKES)
}
_SWAP_PAIRS = (("rn", "m"), ("in", "m"), ("m", "rn"), ("cl", "d"), ("vv", "w"), ("ii", "u"))
MISREAD_MAX_ZIPF = 2.0  # a word rarer than this ...
MISREAD_MIN_ZIPF = 3.0  # ... that one look-alike swap makes at least this common is misread
SHORT_MISREAD_MIN_ZIPF = 5.0  # a rare three-letter word one swap from this common ("anv"/"any")
# "l" read as a capital "I" after a word's first capital: no spelling writes "BIk" or "JIn"
# (names such as "McIntosh" have a lower-case letter before the "I").
_CAPITAL_I_FOR_L = re.compile(r"^[A-Z]I[a-z]+$")


def check_language(language: str) -> str:
    """The language code, lower-cased; ValueError when the gate does not know it."""
    code = language.strip().lower()
    if code not in SCRIPTS:
        raise ValueError(f"unknown language {language!r}; one of: {', '.join(LANGUAGES)}")
    return code


def script(char: str) -> str:
    """The writing system of a letter: the first word of its Unicode name (LATIN, CJK,
    CYRILLIC, ...), full- and half-width forms as their script; "" for letters of no one script
    ("µ", "ª", "ー", letter-like symbols), which count for no script either way."""
    name = unicodedata.name(char, "")
    for prefix in ("FULLWIDTH ", "HALFWIDTH "):
        name = name.removeprefix(prefix)
    if name.startswith("IDEOGRAPHIC "):
        return "CJK"
    first = name.split(" ", 1)[0]
    return first if first in _KNOWN_SCRIPTS else ""


@lru_cache(maxsize=65536)
def _zipf(word: str, language: str) -> float:
    """How common the word is (wordfreq's Zipf scale, 0 = unknown) in the language, or in
    English for a Latin-script word in another language's build: signs, menus and receipts
    everywhere carry English words."""
    zipf = zipf_frequency(word, language)
    if language != "en" and word.isascii():
        zipf = max(zipf, zipf_frequency(word, "en"))
    return zipf


def _pronounceable(word: str) -> bool:
    lower = word.lower()
    vowels = sum(c in _VOWELS for c in lower)
    if not vowels or (len(lower) >= 5 and vowels / len(lower) < 0.2):
        return False
    if re.search(r"(.)\1\1", lower):
        return False
    run = longest = 0
    for c in lower:
        run = 0 if c in _VOWELS else run + 1
        longest = max(longest, run)
    return longest <= 4


def _word(token: str, language: str | None) -> tuple[float, float]:
    """A token of letters of the build's scripts."""
    if len(token) == 1:
        return 0.7, 0.25  # initials, tax codes ("S"), "x", "H&M": they say little either way
    if language is None:  # no dictionary for this script (Chinese, Japanese, Korean): neutral
        return 0.7, 1.0
    zipf = _zipf(token.lower(), language)
    if _CAPITAL_I_FOR_L.match(token):
        return _JUNK
    if zipf < 1.0 and _WEIRD_CASE.search(token):
        return (0.8, 1.0) if _glued(token, language) else _JUNK
    if len(token) == 3 and token.islower() and _misread(token, language, SHORT_MISREAD_MIN_ZIPF):
        return _JUNK  # "anv": not an abbreviation but "any" misread
    if len(token) <= 3:  # most letter pairs and triples are some abbreviation: weak evidence
        return (0.8, 1.0) if zipf >= 3.5 else (0.6, 1.0) if zipf >= 2.0 else (0.4, 1.0)
    if zipf >= 3.0:
        return 1.0, 1.0
    if zipf >= 1.5:
        return 0.8, 1.0
    if zipf < 1.0 and _zipf(token[::-1].lower(), language) >= 3.5:
        return _JUNK  # a mirror image: "TIXE"
    if _misread(token, language):
        return _JUNK
    if not _pronounceable(token):
        return _JUNK
    # An unknown word in capitals is likely a name; in lower case, likely a misreading.
    return (0.25, 1.0) if token.islower() else (0.5, 1.0)


def _misread(token: str, language: str, min_zipf: float = MISREAD_MIN_ZIPF) -> bool:
    """A rare word of three or more characters (digits included: "CL0SED") that one
    look-alike swap turns into a word at least ``min_zipf`` common; or a lower-case unknown
    word of six or more letters that two swaps do ("enauirv": "enquiry")."""
    lower = token.lower()
    if len(lower) < 3 or _zipf(lower, language) >= MISREAD_MAX_ZIPF:
        return False
    if len(lower) == 3 and min_zipf < SHORT_MISREAD_MIN_ZIPF:
        return False  # three letters: only a very common word is evidence (see _word)
    variants = _swapped(lower)
    if any(v.isalpha() and _zipf(v, language) >= min_zipf for v in variants):
        return True
    if len(lower) < 6 or not token.islower() or _zipf(lower, language) >= 1.0:
        return False
    return any(
        v.isalpha() and _zipf(v, language) >= min_zipf
        for once in variants
        for v in _swapped(once, glyphs_only=True)
    )


def _swapped(lower: str, glyphs_only: bool = False) -> set[str]:
    """Every variant of ``lower`` one look-alike swap away (single glyphs, then pairs)."""
    variants = {
        lower[:i] + other + lower[i + 1 :]
        for i, c in enumerate(lower)
        for other in _SWAPS.get(c, ())
    }
    if not glyphs_only:
        variants |= {
            lower[:i] + new + lower[i + len(old) :]
            for old, new in _SWAP_PAIRS
            for i in range(len(lower))
            if lower.startswith(old, i)
        }
    return variants


def _glued(token: str, language: str) -> bool:
    """Words the OCR ran together, each in its own case: "UNITAmt", "myNEWScareline"."""
    parts = [p for p in _CASE_PARTS.findall(token) if len(p) >= 2]
    return any(len(p) >= 3 for p in parts) and all(_zipf(p.lower(), language) >= 2.5 for p in parts)


def _code(token: str, language: str | None) -> tuple[float, float]:
    """A token with letters and digits: a code, a number with its unit, or a misread word."""
    runs = re.findall(r"\d+|[^\W\d_]+", token)
    if language and _misread(token, language):
        return _JUNK  # a word with a digit for a look-alike letter: "CL0SED", "Bi11"
    letters = "".join(r for r in runs if not r[0].isdigit())
    digits = sum(len(r) for r in runs if r[0].isdigit())
    if not any(script(c) == "LATIN" for c in letters):
        return 0.8, 1.0  # counters and units of another script: "800円", "2024年3月15日"
    if len(runs) == 3 and runs[0][0].isdigit() and runs[1].lower() in _UNITS:
        return 1.0, 1.0  # "40x30", "3h30"
    if len(runs) > 3 or (len(runs) == 3 and not runs[1][0].isdigit()):
        # Interleaved ("X7B9K2", "1A3"): a serial number in capitals, a misreading in lower case.
        return (1.0, 1.0) if letters.isupper() else _JUNK
    if runs[0][0].isdigit():  # "2pc", "10KG", "1st", "24hours"; not "1dy"
        tail = runs[1]
        if tail.lower() in _UNITS or (tail.isupper() and len(tail) <= 2):
            return 1.0, 1.0
        if len(tail) >= 4 and language and _zipf(tail.lower(), language) >= 3.0:
            return 1.0, 1.0
        if tail[0].isupper() or len(tail) >= 4:  # glued to a word: "43200Cheras", "2003saiful"
            return 0.5, 1.0
        return _JUNK
    # Letters, then digits: "A05030", "JM0325955", "H1", "Win10", "Guest0"; not "Aga1".
    if letters.isupper() or digits >= 2 or len(letters) == 1:
        return 1.0, 1.0
    if len(letters) >= 4 and language and _zipf(letters.lower(), language) >= 3.5:
        return 1.0, 1.0
    return _JUNK


def _plausibility(text: str, scripts: frozenset[str], language: str) -> float:
    """The weighted share of plausible tokens, in [0, 1]; 1 for a line without tokens."""
    # Full-width forms and ligatures as plain letters; the micro sign as "u" ("5µm" = "5um").
    text = unicodedata.normalize("NFKC", text.replace("\u00b5", "u"))
    addresses = len(_ADDRESS.findall(text))
    total = weight = float(addresses)
    for token in _TOKEN.findall(_ADDRESS.sub(" ", text)):
        token_scripts = {s for c in token if c.isalpha() and (s := script(c))}
        if token.isdigit():
            value, w = 1.0, (1.0 if len(token) >= 3 else 0.5)
        elif len(token_scripts) > 1 and token_scripts & scripts:
            value, w = _JUNK  # two scripts in one word: "买众E"
        elif token_scripts and not token_scripts & scripts:
            value, w = 0.5, 1.0  # a word in another script: judged by the script share
        else:
            home = next(iter(token_scripts)) if token_scripts else "LATIN"
            lookup = _dictionary(home, language)
            if any(c.isdigit() for c in token):
                value, w = _code(token, lookup)
            else:
                value, w = _word(token, lookup)
        total += value * w
        weight += w
    return total / weight if weight else 1.0


def _dictionary(home: str, language: str) -> str | None:
    """The wordfreq language to look up a word of script ``home`` in, or None (no lookup)."""
    if home == "LATIN":
        return language if language in _LATIN or language == "sh" else "en"
    return language if language in _SPACED else None


def _confidence_factor(score: float) -> float:
    share = (score - ZERO_CONFIDENCE) / (FULL_CONFIDENCE - ZERO_CONFIDENCE)
    return min(1.0, max(0.0, share))


def _other_script_share(text: str, scripts: frozenset[str]) -> float:
    found = [s for c in text if c.isalpha() and (s := script(c))]
    if not found:
        return 0.0
    return sum(s not in scripts for s in found) / len(found)


def _rect(line: OcrLine) -> tuple[float, float, float, float]:
    xs = [p[0] for p in line.box] or [0.0]
    ys = [p[1] for p in line.box] or [0.0]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a: OcrLine, b: OcrLine) -> float:
    """Intersection of the two boxes over the smaller one's area."""
    ax0, ay0, ax1, ay1 = _rect(a)
    bx0, by0, bx1, by1 = _rect(b)
    w = min(ax1, bx1) - max(ax0, bx0)
    h = min(ay1, by1) - max(ay0, by0)
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0))
    return w * h / smaller if smaller > 0 else 0.0


def _key(text: str) -> str:
    return collapse_spaces(text.lower())


def _duplicates(lines: list[OcrLine], quality: list[float]) -> set[int]:
    """Indices of lines that are a second reading of another line's text (see the flags)."""
    keys = [_key(line.text) for line in lines]
    digits = [re.sub(r"\D", "", k) for k in keys]
    worse: set[int] = set()
    for i in range(len(lines)):
        if sum(c.isalnum() for c in keys[i]) < 2:
            continue
        for j in range(i + 1, len(lines)):
            if sum(c.isalnum() for c in keys[j]) < 2:
                continue
            if fuzz.ratio(keys[i], keys[j]) < DUPLICATE_RATIO:
                continue
            same_place = _overlap(lines[i], lines[j]) >= DUPLICATE_OVERLAP
            # A variant reading of the same place ("EXIT" / "EX1T"): boxes that touch, the same
            # digits (not two prices that differ in one).
            variant = (
                keys[i] != keys[j]
                and digits[i] == digits[j]
                and len(keys[i]) >= 6
                and _overlap(lines[i], lines[j]) > 0
            )
            if same_place or variant:
                worse.add(j if (quality[i], lines[i].score) >= (quality[j], lines[j].score) else i)
    return worse


def gate_line(line: OcrLine, language: str = DEFAULT_LANGUAGE) -> OcrLine:
    """One line with its quality and flags, duplicates aside (they need the other lines)."""
    return gate_lines([line], language)[0]


def gate_lines(lines: list[OcrLine], language: str = DEFAULT_LANGUAGE) -> list[OcrLine]:
    """The lines (in reading order) with ``quality`` and ``flags`` set; new objects, same order.

    ``language`` is the build's declared language (``LANGUAGES``; ValueError otherwise)."""
    language = check_language(language)
    scripts = SCRIPTS[language]
    qualities: list[float] = []
    flag_lists: list[list[str]] = []
    for line in lines:
        text = line.text.strip()
        flags = []
        if line.score < MIN_CONFIDENCE:
            flags.append(LOW_CONFIDENCE)
        if _other_script_share(text, scripts) > OTHER_SCRIPT_SHARE:
            flags.append(OTHER_SCRIPT)
            plausibility = 0.5
        else:
            plausibility = _plausibility(text, scripts, language)
        quality = plausibility * _confidence_factor(line.score)
        if quality < MIN_QUALITY and OTHER_SCRIPT not in flags and any(c.isalnum() for c in text):
            flags.append(GARBLED)
        alnum = [c for c in text if c.isalnum()]
        if len(alnum) == 1 and alnum[0].isalpha() and script(alnum[0]) not in _IDEOGRAPHIC:
            flags.append(TOO_SHORT)
        qualities.append(round(quality, 3))
        flag_lists.append(flags)
    for i in _duplicates(lines, qualities):
        if not flag_lists[i]:
            flag_lists[i].append(DUPLICATE)
    return [
        line.model_copy(update={"flags": flags, "quality": quality})
        for line, flags, quality in zip(lines, flag_lists, qualities)
    ]
