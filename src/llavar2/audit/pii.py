"""Personal data in OCR text (e-mail addresses, telephone numbers, payment card numbers), found
so that an audit can count it and list it, masked, for a person to review.

Text-rich images (receipts above all) are full of numbers that are not telephone numbers: dates,
times, prices, invoice and registration numbers, barcodes, quantities. The rules therefore prefer
precision. A digit run (7-15 digits; separators: spaces, "-", ".", parentheses) is a phone when

- a phone cue precedes it, with nothing but punctuation, spaces or "No." between them
  ("TEL:", "Fax", "H/P", "Mobile", "T:", "☎", ...), or it follows a phone after "," "/" or ";"
  ("TEL: 03-5122 1701, 5131 3091"); or
- it has 9 digits or more and a clear phone shape on its own: "+" and a country code
  ("+60 3-8024 6600"), an area code in parentheses ("(03) 8024 6600"), a national trunk prefix
  "0" then a separator ("012-345 6789") or the North American 3-3-4 ("555-123-4567");

and it never is when it holds a date ("15-03-2018") or is a decimal amount ("1234567.50").
A card number is 13-19 digits, optionally grouped by single spaces or dashes, that passes the
Luhn check, starts as a payment card does (ISO/IEC 7812 industry 3-6, or Mastercard's
2221-2720) and, ungrouped with 13 or 14 digits, is not a GS1 barcode (EAN-13, GTIN-14: most
receipt items carry one, and a tenth of them pass the Luhn check too).

Masking: e-mails keep the first character of the local part and the domain ("j•••@example.com",
always three dots, so the length of the name is not told); numbers keep their first two and last
two digits and every separator, the other digits become "•" ("03-8024 6600" → "03-•••• ••00").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

MASK = "•"

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,}(?![\w-])"
)
# A number (card or phone) doesn't start inside another token: after a letter, a decimal point,
# a slash or a dash ("A18000010", "12.5", "1/4"), nor after a digit and a space (a number within a
# list of numbers: "MAYBANK-5122 0481 6723"); it ends before a letter and before punctuation that
# continues the token ("(672069-W)", "12:30").
_CARD = re.compile(r"(?<![\w.,/+-])(?<!\d )\d(?:[ -]?\d){12,18}(?![\w]|[-.,:/]?\d|-\w)")
_PHONE = re.compile(
    r"(?<![\w.,/+-])(?<!\d )(?:\+ ?)?(?:\(\+?\d{1,5}\) ?)?\d+"
    r"(?:(?: ?- ?|[ .])\(?\d+\)?)*(?!\w|[-.,:]\w)"
)
_CUE = re.compile(
    r"(?:\b(?:telp?|telephone|phone|ph|fax|mobile|mob|hp|h/p|hotline|whatsapps?|call|contact)"
    r"|\b[tmf] ?:|[☎✆📞])(?:[\s.:#=/()-]|\bno\b|\bnumber\b)*$",
    re.IGNORECASE,
)
_AFTER_PHONE = re.compile(r"^ *[,/;] *$")
_DATE = re.compile(
    r"(?<!\d)(?<!\d[-. ])(?:(\d{1,2})[-. ](\d{1,2})[-. ](?:\d{4}|\d{2})"
    r"|(?:19|20)\d\d[-. ](\d{1,2})[-. ](\d{1,2}))(?![-. ]?\d)"
)
_DECIMAL = re.compile(r"^[\d ]*\d\.\d{1,3}$")
_SHAPES = [
    re.compile(p)
    for p in (
        r"^\+ ?\d",  # international
        r"^\(\+?\d{2,5}\) ?\d",  # area code in parentheses
        # national, trunk prefix "0", 9-11 digits ending in a group of 3+ ("0123-4567-89" is a code)
        r"^(?=(?:\D*\d){9,11}$)0[1-9]\d{0,3}(?: ?- ?|[ .])(?:\d{2,5}[-. ])*\d{3,8}$",
        r"^0[1-9](?:[ .]\d\d){4}$",  # national, in pairs (France)
        r"^(?:1[-. ])?(?:\(\d{3}\) ?|\d{3}([-.]))\d{3}(?(1)\1|[-.])\d{4}$",  # North American
    )
]
# Without a cue a phone needs a full national number: an 8-digit "0481 6723" is as likely a
# fragment of an account or card number.
_MIN_SHAPED = 9
_LOOKBACK = 40  # characters before a number searched for a cue


@dataclass(frozen=True)
class PiiMatch:
    kind: str  # "email" | "phone" | "card"
    masked: str
    start: int
    end: int


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _gs1(digits: str) -> bool:
    """GS1 check digit (EAN-13, GTIN-14): weights 3 and 1 alternating from the right."""
    total = sum(int(c) * (1 if i % 2 else 3) for i, c in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == int(digits[-1])


def _is_card(s: str) -> bool:
    d = _digits(s)
    issuer = d[0] in "3456" or 2221 <= int(d[:4]) <= 2720
    barcode = s.isdigit() and len(d) in (13, 14) and _gs1(d)
    return issuer and _luhn(d) and not barcode


def _holds_date(s: str) -> bool:
    for m in _DATE.finditer(s):
        a, b = (int(g) for g in m.groups() if g is not None)
        if m.group(1) is None:  # year first: month, day
            if 1 <= a <= 12 and 1 <= b <= 31:
                return True
        elif 1 <= min(a, b) <= 12 and 1 <= max(a, b) <= 31:  # day and month in either order
            return True
    return False


def _is_phone(text: str, m: re.Match[str], last_phone_end: int | None) -> bool:
    s = m.group()
    if not 7 <= len(_digits(s)) <= 15 or _holds_date(s) or _DECIMAL.match(s):
        return False
    before = text[max(0, m.start() - _LOOKBACK) : m.start()]
    if _CUE.search(before):
        return True
    if last_phone_end is not None and _AFTER_PHONE.match(text[last_phone_end : m.start()]):
        return True
    return len(_digits(s)) >= _MIN_SHAPED and any(shape.match(s) for shape in _SHAPES)


def _mask_number(s: str) -> str:
    n = len(_digits(s))
    out, seen = [], 0
    for c in s:
        if c.isdigit():
            seen += 1
            c = c if seen <= 2 or seen > n - 2 else MASK
        out.append(c)
    return "".join(out)


def _mask_email(s: str) -> str:
    local, domain = s.split("@", 1)
    return f"{local[0]}{MASK * 3}@{domain}"


def find_pii(text: str) -> list[PiiMatch]:
    """E-mails, card numbers and phone numbers in ``text``, in text order, non-overlapping (an
    e-mail is found first, then cards, then phones among what is left)."""
    found: list[PiiMatch] = []

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= f.start or m.start() >= f.end for f in found)

    def add(kind: str, m: re.Match[str], mask: Callable[[str], str]) -> None:
        found.append(PiiMatch(kind, mask(m.group()), m.start(), m.end()))

    for m in _EMAIL.finditer(text):
        add("email", m, _mask_email)
    for m in _CARD.finditer(text):
        if free(m) and _is_card(m.group()):
            add("card", m, _mask_number)
    last_phone_end = None
    for m in _PHONE.finditer(text):
        if free(m) and _is_phone(text, m, last_phone_end):
            add("phone", m, _mask_number)
            last_phone_end = m.end()
    return sorted(found, key=lambda f: f.start)


class PiiStats:
    """Streaming counts of personal data over items (one OCR text each). Only the first ``keep``
    matches are kept for listing, so memory stays bounded however many items are added."""

    def __init__(self, keep: int = 50) -> None:
        self.keep = keep
        self.items_scanned = 0
        self.items_with_pii = 0
        self.matches: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.listed: list[dict[str, str]] = []

    def add(self, item_id: str, text: str) -> None:
        found = find_pii(text)
        self.items_scanned += 1
        self.items_with_pii += bool(found)
        self.matches.update(f.kind for f in found)
        self.items.update({f.kind for f in found})
        for f in found[: max(0, self.keep - len(self.listed))]:
            self.listed.append({"id": item_id, "kind": f.kind, "masked": f.masked})

    def result(self, max_listed: int = 50) -> dict:
        """Counts and the first ``max_listed`` matches (at most ``keep``) in the order found."""
        return {
            "items_scanned": self.items_scanned,
            "items_with_pii": self.items_with_pii,
            "matches": dict(sorted(self.matches.items())),
            "items": dict(sorted(self.items.items())),
            "listed": self.listed[:max_listed],
        }
