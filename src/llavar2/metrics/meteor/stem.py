"""The English Snowball ("Porter2") stemmer as bundled in the METEOR 1.5 jar.

The jar ships the 2010-era ``org.tartarus.snowball.ext.englishStemmer``. Current Snowball
releases (and the ``snowballstemmer`` package) changed the algorithm since: more special
R1 prefixes (``past``, ``univers``, ``later``, ``emerg``, ``organ``, ``intern``...), ``-ogist``,
no undoubling after short stems (``added`` -> ``add``), extra exceptions (``evening``, ``vying``).
METEOR's stem module must stem the way the jar does, so this is the classic algorithm,
written from its Snowball definition and checked word for word against the jar's stemmer on
every word of METEOR's own data (the synonym and paraphrase vocabularies, ~174k words).

Java strings are UTF-16: a character outside the BMP counts as two characters there. Words
holding such characters are stemmed over their UTF-16 code units (as lone surrogates) so that
lengths and positions are the jar's.
"""

from __future__ import annotations

_V = frozenset("aeiouy")
_V_WXY = frozenset("aeiouywxY")
_VALID_LI = frozenset("cdeghkmnrt")
_DOUBLES = frozenset(("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"))

_EXCEPTION1 = {
    "skis": "ski",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "idly": "idl",
    "gently": "gentl",
    "ugly": "ugli",
    "early": "earli",
    "only": "onli",
    "singly": "singl",
    "sky": "sky",
    "news": "news",
    "howe": "howe",
    "atlas": "atlas",
    "cosmos": "cosmos",
    "bias": "bias",
    "andes": "andes",
}
_EXCEPTION2 = frozenset(
    (
        "inning",
        "outing",
        "canning",
        "herring",
        "earring",
        "proceed",
        "exceed",
        "succeed",
    )
)

# (suffix, replacement) tables; the longest matching suffix is taken, then the region test.
_STEP2 = {
    "tional": "tion",
    "enci": "ence",
    "anci": "ance",
    "abli": "able",
    "entli": "ent",
    "izer": "ize",
    "ization": "ize",
    "ational": "ate",
    "ation": "ate",
    "ator": "ate",
    "alism": "al",
    "aliti": "al",
    "alli": "al",
    "fulness": "ful",
    "ousli": "ous",
    "ousness": "ous",
    "iveness": "ive",
    "iviti": "ive",
    "biliti": "ble",
    "bli": "ble",
    "ogi": "og",  # only after 'l'
    "fulli": "ful",
    "lessli": "less",
    "li": "",  # only after a valid li-ending
}
_STEP3 = {
    "tional": "tion",
    "ational": "ate",
    "alize": "al",
    "icate": "ic",
    "iciti": "ic",
    "ical": "ic",
    "ful": "",
    "ness": "",
    "ative": "",  # only in R2
}
_STEP4 = [
    "al",
    "ance",
    "ence",
    "er",
    "ic",
    "able",
    "ible",
    "ant",
    "ement",
    "ment",
    "ent",
    "ism",
    "ate",
    "iti",
    "ous",
    "ive",
    "ize",
    "ion",
]


def _by_length(suffixes) -> list[str]:
    return sorted(suffixes, key=len, reverse=True)


_STEP2_ORDER = _by_length(_STEP2)
_STEP3_ORDER = _by_length(_STEP3)
_STEP4_ORDER = _by_length(_STEP4)
_STEP1B_ORDER = _by_length(("eed", "eedly", "ed", "edly", "ing", "ingly"))


def _longest(w: str, order: list[str]) -> str | None:
    for suf in order:
        if w.endswith(suf):
            return suf
    return None


def _shortv(w: str, end: int) -> bool:
    """Snowball ``shortv`` tested backwards from position ``end`` (exclusive)."""
    # ( non-v_WXY v non-v ) or ( non-v v atlimit )
    if end >= 3 and w[end - 1] not in _V_WXY and w[end - 2] in _V and w[end - 3] not in _V:
        return True
    return end == 2 and w[1] not in _V and w[0] in _V


def _stem(w: str) -> str:
    if w in _EXCEPTION1:
        return _EXCEPTION1[w]
    if len(w) < 3:
        return w
    # prelude
    w = w.removeprefix("'")
    y_found = False
    if w.startswith("y"):
        w = "Y" + w[1:]
        y_found = True
    if "y" in w:
        chars = list(w)
        for i in range(1, len(chars)):
            if chars[i] == "y" and chars[i - 1] in _V:
                chars[i] = "Y"
                y_found = True
        w = "".join(chars)
    # mark_regions
    n = len(w)
    p1 = p2 = n
    start = -1
    for pre in ("gener", "commun", "arsen"):
        if w.startswith(pre):
            start = len(pre)
            break
    if start < 0:
        start = _gopast_v_nonv(w, 0)
    if start >= 0:
        p1 = start
        p2_ = _gopast_v_nonv(w, p1)
        if p2_ >= 0:
            p2 = p2_
    # Step 0 / 1a (as in the jar's Step_1a: apostrophe suffixes, then the among)
    for apostrophe in ("'s'", "'s", "'"):
        if w.endswith(apostrophe):
            w = w[: -len(apostrophe)]
            break
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith(("ied", "ies")):
        w = w[:-2] if len(w) > 4 else w[:-1]
    elif w.endswith(("us", "ss")):
        pass
    elif w.endswith("s"):
        # next gopast v delete: a vowel somewhere before the letter preceding the s
        if len(w) >= 3 and any(c in _V for c in w[: len(w) - 2]):
            w = w[:-1]
    if w in _EXCEPTION2:
        return _postlude(w, y_found)
    # Step 1b
    suf = _longest(w, _STEP1B_ORDER)
    if suf is not None:
        base = len(w) - len(suf)
        if suf in ("eed", "eedly"):
            if base >= p1:
                w = w[:base] + "ee"
        elif any(c in _V for c in w[:base]):
            w = w[:base]
            if w.endswith(("at", "bl", "iz")):
                w += "e"
            elif w[-2:] in _DOUBLES:
                w = w[:-1]
            elif len(w) == p1 and _shortv(w, len(w)):
                w += "e"
    # Step 1c
    if len(w) >= 3 and w[-1] in "yY" and w[-2] not in _V:
        w = w[:-1] + "i"
    # Step 2
    suf = _longest(w, _STEP2_ORDER)
    if suf is not None:
        base = len(w) - len(suf)
        if base >= p1:
            if suf == "ogi":
                if base >= 1 and w[base - 1] == "l":
                    w = w[:base] + "og"
            elif suf == "li":
                if base >= 1 and w[base - 1] in _VALID_LI:
                    w = w[:base]
            else:
                w = w[:base] + _STEP2[suf]
    # Step 3
    suf = _longest(w, _STEP3_ORDER)
    if suf is not None:
        base = len(w) - len(suf)
        if base >= p1:
            if suf == "ative":
                if base >= p2:
                    w = w[:base]
            else:
                w = w[:base] + _STEP3[suf]
    # Step 4
    suf = _longest(w, _STEP4_ORDER)
    if suf is not None:
        base = len(w) - len(suf)
        if base >= p2:
            if suf == "ion":
                if base >= 1 and w[base - 1] in "st":
                    w = w[:base]
            else:
                w = w[:base]
    # Step 5
    if w.endswith("e"):
        base = len(w) - 1
        if base >= p2 or (base >= p1 and not _shortv(w, base)):
            w = w[:base]
    elif w.endswith("l"):
        base = len(w) - 1
        if base >= p2 and base >= 1 and w[base - 1] == "l":
            w = w[:base]
    return _postlude(w, y_found)


def _gopast_v_nonv(w: str, i: int) -> int:
    """Position after the first non-vowel that follows a vowel, from ``i``; -1 if none."""
    n = len(w)
    while i < n and w[i] not in _V:
        i += 1
    if i >= n:
        return -1
    while i < n and w[i] in _V:
        i += 1
    if i >= n:
        return -1
    return i + 1


def _postlude(w: str, y_found: bool) -> str:
    return w.replace("Y", "y") if y_found else w


def stem(word: str) -> str:
    """Stem one (lower-cased) word exactly as the METEOR 1.5 jar does."""
    if word.isascii() or max(word) <= "\uffff":
        return _stem(word)
    units = word.encode("utf-16-le", "surrogatepass")
    as_units = "".join(
        chr(int.from_bytes(units[k : k + 2], "little")) for k in range(0, len(units), 2)
    )
    out = _stem(as_units)
    return out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
