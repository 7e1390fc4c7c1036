"""Text handling exactly as the METEOR 1.5 jar does it under ``-stdio -l en -norm``.

* ``score_line_parts`` rebuilds the ``SCORE ||| ref ||| ... ||| hyp`` line pycocoevalcap 1.2
  writes to the jar and splits it the way the jar's ``String.split("\\|\\|\\|")`` and
  ``trim()`` do.
* ``normalize_line`` is a port of ``edu.cmu.meteor.util.Normalizer.normalizeLine`` for English
  with punctuation kept (``-norm``): the Moses-style tokenisation, quote/dash normalisation,
  dash splitting, English contractions and the non-breaking-prefix rule. Java regular
  expressions without flags treat ``\\s``, ``\\p{Digit}`` and ``\\p{Lower}`` as ASCII classes;
  the patterns below spell those out.
* Java helpers: ``String.trim`` (strips chars <= U+0020), ``StringTokenizer`` (splits on
  space, tab, newline, carriage return, form feed), ``String.hashCode`` (the jar compares
  words by hash code) and ``String.length`` (UTF-16 units).
"""

from __future__ import annotations

import re

_ALPHA = (
    "A-Za-z\u0160\u017d\u0161\u017e\u0178\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017e"
    "\u0400-\u04ff\u0500-\u0527\ua640-\ua66e\ua67e-\ua697\u1d00-\u1d7f"
)
_ALNUM = "0-9" + _ALPHA
_JAVA_S = " \t\n\x0b\f\r"  # java.util.regex \s without UNICODE_CHARACTER_CLASS

_R_SEP_OTHER = re.compile("([^" + _ALNUM + _JAVA_S + ".'`,\\-\u2018\u2019])")
_R_MULTI_DOT = re.compile(r"\.([\.]+)")
_R_MULTI_DOT2 = re.compile(r"DOTMULTI\.([^\.])")
_R_COMMA = re.compile(r"([^0-9])[,]([^0-9])")
_R_COMMA2 = re.compile(r"([0-9])[,]([^0-9])")
_R_COMMA3 = re.compile(r"([^0-9])[,]([0-9])")
_R_QUOTE_NORM = re.compile("([`\u2018\u2019])")
_R_QUOTE_NORM2 = re.compile("([\u201c\u201d]|'')")
_R_QUOTES_ANY = re.compile("[`\u2018\u2019\u201c\u201d]|''")
_R_RM_DASH = re.compile("([" + _ALNUM + r"\.])[\-]([" + _ALNUM + "])")
_R_CONT_EN = re.compile("([^" + _ALPHA + "])[']([^" + _ALPHA + "])")
_R_CONT_EN2 = re.compile("([^" + _ALPHA + "0-9])[']([" + _ALPHA + "])")
_R_CONT_EN3 = re.compile("([" + _ALPHA + "])[']([^" + _ALPHA + "])")
_R_CONT_EN4 = re.compile("([" + _ALPHA + "])[']([" + _ALPHA + "])")
_R_CONT_EN5 = re.compile(r"([0-9])[']([s])")
_R_WHITE = re.compile("[ \u2000-\u200a\u202f\u205f\u3000\u00a0]+")
_R_WIDE_SPACE = re.compile("[\u2000-\u200a\u202f\u205f\u3000\u00a0]|  ")
_R_NBP1 = re.compile("[" + _ALPHA + "]")
_R_TOKEN_SEP = re.compile("[ \t\n\r\f]+")
# Lines of ASCII letters, digits, spaces and tabs pass the normaliser unchanged but for
# whitespace (no rule touches them): the common case for PTB-tokenised captions.
_R_PLAIN = re.compile("[A-Za-z0-9 \t]*")

NBP_ANY = 1
NBP_NUM_ONLY = 2


def java_trim(s: str) -> str:
    """``String.trim()``: strip every char <= U+0020 from both ends."""
    if not s or (s[0] > " " and s[-1] > " "):
        return s
    i, j = 0, len(s)
    while i < j and s[i] <= " ":
        i += 1
    while j > i and s[j - 1] <= " ":
        j -= 1
    return s[i:j]


def java_tokenize(s: str) -> list[str]:
    """``new StringTokenizer(s)``: split on space, \\t, \\n, \\r, \\f; no empty tokens."""
    return [t for t in _R_TOKEN_SEP.split(s) if t]


def java_len(s: str) -> int:
    """``String.length()``: UTF-16 code units."""
    if s.isascii():
        return len(s)
    return len(s) + sum(1 for c in s if c > "\uffff")


def java_hash(s: str) -> int:
    """``String.hashCode()`` (a signed 32-bit int) over UTF-16 code units."""
    h = 0
    if s.isascii() or max(s) <= "\uffff":
        for c in s:
            h = (31 * h + ord(c)) & 0xFFFFFFFF
    else:
        units = s.encode("utf-16-le", "surrogatepass")
        for k in range(0, len(units), 2):
            h = (31 * h + (units[k] | (units[k + 1] << 8))) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def java_split_bars(line: str) -> list[str]:
    """``line.split("\\\\|\\\\|\\\\|")``: Java drops trailing empty strings."""
    parts = line.split("|||")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


def score_line_parts(hypothesis: str, references: list[str]) -> tuple[str, list[str]]:
    """The (test, references) the jar scores for one pycocoevalcap ``_stat`` call.

    pycocoevalcap 1.2 sends ``' ||| '.join(('SCORE', ' ||| '.join(refs), hyp))`` with
    ``hyp.replace('|||', '').replace('  ', ' ')``; the jar splits on ``|||`` and trims.
    A line break inside the text would cut pycocoevalcap's line in two (and break its
    protocol); here it is read as a space instead.
    """
    hyp = hypothesis.replace("|||", "").replace("  ", " ")
    line = " ||| ".join(("SCORE", " ||| ".join(references), hyp))
    if "\n" in line or "\r" in line:
        line = line.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    parts = java_split_bars(line)
    if len(parts) < 3:  # cannot happen with the ' ||| ' separators, kept for fidelity
        raise ValueError("METEOR needs a hypothesis and at least one reference")
    refs = [java_trim(p) for p in parts[1:-1]]
    return java_trim(parts[-1]), refs


def normalize_line(line: str, nbp: dict[str, int]) -> str:
    """``Normalizer.normalizeLine(line, LANG_EN, keepPunctuation=true)``."""
    if _R_PLAIN.fullmatch(line) and "DOTMULTI" not in line:
        return " ".join(java_tokenize(line))
    return _finish_line(_pre_tokens(" " + line + " "), nbp, unescape=True)


def _pre_tokens(w: str) -> list[str]:
    """The rules before tokenisation, then ``StringTokenizer`` (``w`` is space-wrapped)."""
    w = _R_SEP_OTHER.sub(r" \1 ", w)
    # Each rule below is skipped when the characters it needs are absent (same result).
    if ".." in w:
        w = _R_MULTI_DOT.sub(r" DOTMULTI\1", w)
    while "DOTMULTI." in w:
        w = _R_MULTI_DOT2.sub(r"DOTDOTMULTI \1", w)
        w = w.replace("DOTMULTI.", "DOTDOTMULTI")
    if "," in w:
        w = _R_COMMA.sub(r"\1 , \2", w)
        w = _R_COMMA2.sub(r"\1 , \2", w)
        w = _R_COMMA3.sub(r"\1 , \2", w)
    if _R_QUOTES_ANY.search(w):
        w = _R_QUOTE_NORM.sub("'", w)
        w = _R_QUOTE_NORM2.sub(' " ', w)
    if "\u2013" in w:
        w = w.replace("\u2013", "-")
    if "-" in w:
        w = w.replace("--", "-")
        w = _R_RM_DASH.sub(r"\1 \2", w)
    if "'" in w:
        w = _R_CONT_EN.sub(r"\1 ' \2", w)
        w = _R_CONT_EN2.sub(r"\1 ' \2", w)
        w = _R_CONT_EN3.sub(r"\1 ' \2", w)
        w = _R_CONT_EN4.sub(r"\1 '\2", w)
        w = _R_CONT_EN5.sub(r"\1 '\2", w)
    return java_tokenize(w)


def _finish_line(words: list[str], nbp: dict[str, int], unescape: bool) -> str:
    """The non-breaking-prefix rule over the tokens, dot unescaping, whitespace, trim."""
    if not any(word.endswith(".") for word in words):  # nothing for the prefix rule
        w = " ".join(words)
    else:
        out = []
        last = len(words) - 1
        for i, word in enumerate(words):
            if word.endswith(".") and java_len(word) > 1:
                pre = word[:-1]
                kind = nbp.get(pre)
                nxt = words[i + 1] if i < last else ""
                if "." in pre and _R_NBP1.search(pre):
                    out.append(word.replace(".", ""))
                elif kind == NBP_ANY or (i < last and "a" <= nxt[:1] <= "z"):
                    out.append(word)
                elif kind == NBP_NUM_ONLY and i < last and "0" <= nxt[:1] <= "9":
                    out.append(word)
                else:
                    out.append(pre)
                    out.append(" .")
            else:
                out.append(word)
            out.append(" ")
        w = "".join(out)
    if unescape and "DOTMULTI" in w:
        while "DOTDOTMULTI" in w:
            w = w.replace("DOTDOTMULTI", "DOTMULTI.")
        w = w.replace("DOTMULTI", ".")
    if _R_WIDE_SPACE.search(w):
        w = _R_WHITE.sub(" ", w)
    return java_trim(w)


# Chars whose rules (commas, apostrophes) look at the character on each side: two words
# joined by one space with such chars facing each other compete for that space.
_R_EDGE_PAIR = re.compile("[,'`\u2018\u2019] [,'`\u2018\u2019]")


class Normalizer:
    """``normalize_line`` with the pre-tokenisation rules cached per space-separated chunk.

    Every pre-tokenisation rule looks at most one character beyond a chunk (the separating
    space, re-emitted unchanged), so a line is the concatenation of its chunks' results,
    except when two chunks sharing a space both need it (``_R_EDGE_PAIR``) or when dots are
    escaped (``..``, ``DOTMULTI``): such lines take the line-level path.
    """

    def __init__(self, nbp: dict[str, int]):
        self.nbp = nbp
        self._chunks: dict[str, list[str]] = {}

    def __call__(self, line: str) -> str:
        if _R_PLAIN.fullmatch(line) and "DOTMULTI" not in line:
            return " ".join(java_tokenize(line))
        if ".." in line or "DOTMULTI" in line:
            return normalize_line(line, self.nbp)
        if _R_EDGE_PAIR.search(line):
            return normalize_line(line, self.nbp)
        cache = self._chunks
        words: list[str] = []
        for c in line.split(" "):
            if c:
                got = cache.get(c)
                if got is None:
                    got = cache[c] = _pre_tokens(" " + c + " ")
                words.extend(got)
        if "." not in line:  # no rule adds a dot, so the prefix rule has nothing to do
            w = " ".join(words)
            if _R_WIDE_SPACE.search(w):
                w = _R_WHITE.sub(" ", w)
            return java_trim(w)
        return _finish_line(words, self.nbp, unescape=False)


def parse_nonbreaking_prefixes(text: str) -> dict[str, int]:
    """``Normalizer.nbpList``: first token of each line, ``#NUMERIC_ONLY#`` marks type 2."""
    nbp: dict[str, int] = {}
    for line in java_lines(text):
        tok = java_tokenize(line)
        if not tok or tok[0].startswith("#"):
            continue
        nbp[tok[0]] = NBP_NUM_ONLY if len(tok) > 1 and tok[1] == "#NUMERIC_ONLY#" else NBP_ANY
    return nbp


def java_lines(text: str) -> list[str]:
    """``BufferedReader.readLine`` over a whole text: lines end at \\n, \\r or \\r\\n."""
    lines = text.split("\n") if "\r" not in text else re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines
