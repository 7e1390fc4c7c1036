"""Personal-data patterns: e-mails, Luhn-checked card numbers, phones by cue and by shape, and the
numbers of real receipts (dates, amounts, registration and invoice numbers) that are not phones."""

from __future__ import annotations

import pytest

from llavar2.audit.pii import PiiMatch, PiiStats, find_pii


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.kind, text[m.start : m.end]) for m in find_pii(text)]


def test_email_found_and_masked_to_first_letter_and_domain():
    text = "Contact: Jane.Doe+news@mail.example.co.uk."
    assert find_pii(text) == [PiiMatch("email", "J•••@mail.example.co.uk", 9, len(text) - 1)]
    assert _found("BAR WANG RICE@PERMAS JAYA | JIMART@SP3 | GST @6%") == []


@pytest.mark.parametrize(
    "number",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5555555555554444",
        "378282246310005",
        "6011 0009 9013 9424",
        "2221 0000 0000 0009",
    ],
)
def test_luhn_valid_card_numbers_are_cards(number):
    assert _found(f"Paid by card {number} on 12/03") == [("card", number)]


@pytest.mark.parametrize(
    "number",
    [
        "4111 1111 1111 1112",  # fails the Luhn check
        "4111  1111 1111 1111",  # a double space is not a card's grouping
        "9555039900843",  # EAN-13 of a product, also Luhn-valid
        "0207140118000488",  # invoice number: no card issuer starts with 0
        "2018032251310415556",  # 19-digit receipt number starting with a year
    ],
)
def test_non_cards(number):
    assert [k for k, _ in _found(number)] != ["card"]


def test_card_mask_keeps_first_and_last_two_digits_and_grouping():
    assert [m.masked for m in find_pii("4111 1111 1111 1111")] == ["41•• •••• •••• ••11"]


@pytest.mark.parametrize(
    "text, phone",
    [
        ("TEL : 07-386 7524", "07-386 7524"),
        ("FAX:03- 55423213", "03- 55423213"),
        ("TEL NO. 03-6259-6498", "03-6259-6498"),
        ("H/P: 012-659 9829", "012-659 9829"),
        ("MOBILE /WHATSAPPS : +6012-918 7937", "+6012-918 7937"),
        ("TEL : 0122648835", "0122648835"),
        ("Tel: 1300-88-6555", "1300-88-6555"),
        ("T: 6123 4567", "6123 4567"),
        ("☎ 6123 4567", "6123 4567"),
        ("Phone:\n8024 6600", "8024 6600"),  # the cue on the line above
        ("FAX (+0603) 7831 2552", "(+0603) 7831 2552"),
    ],
)
def test_phone_after_a_cue(text, phone):
    assert _found(text) == [("phone", phone)]


@pytest.mark.parametrize(
    "phone",
    [
        "+60 3-8024 6600",
        "+603-6093-9078",
        "(03) 8024 6600",
        "012-345 6789",
        "016-5498845",
        "555-123-4567",
        "(555) 123-4567",
        "555.123.4567",
        "1-800-555-0199",
        "020 7946 0958",
        "01 23 45 67 89",
    ],
)
def test_phone_by_shape_without_a_cue(phone):
    assert _found(f"Visit us, {phone} daily") == [("phone", phone)]


def test_numbers_listed_after_a_phone_are_phones_too():
    text = "TEL: 03-51221701, 51313091 FAX: 03-9201 6281/6920"
    assert _found(text) == [
        ("phone", "03-51221701"),
        ("phone", "51313091"),
        ("phone", "03-9201 6281"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "DATE: 15-03-2018",
        "15/03/18 10:25:49 PM",
        "2018-03-15",
        "15.03.2018",
        "05 06 2018",
        "14-06-2018 20:41:44",
        "TOTAL 1,234.00",
        "AMOUNT 1234567.50",
        "12.50",
        "100.000",
        "CASH 1 234 567.50",
        "(672069-W)",
        "002043319-W",
        "SANYU SUPPLY SDN BHD (1135772-K)",
        "GST ID : 001661886464",
        "001083069440",
        "(GST REG NO. 001492992000)",
        "INVOICE NO : 18203/102/T0466",
        "INV NO/DATE:15403-119386(29/07/2016)",
        "INVOICE NO: 2018022810082100090",
        "BILL 18550 - 389 - 4768 - 2303180113",
        "#001-001-0934-0001 05/01/2018 13:30-R",
        "1X 000001397686",
        "1008 001 0010555",
        "MAYBANK-5122 0481 6723",
        "SR I00100000035- 1 MEAT + 3 VEGE",
        "QTY 12 X 3.50",
        "SKU 012-345-6789-01",
        "ORDER 0123-4567-89",
        "ISBN 978-3-16-148410-0",
        "MEMBER NUM : 80148970",
        "9555039900843",
        "TEL 1-300-80-AEON(2366)",
    ],
)
def test_receipt_numbers_that_are_not_phones(text):
    assert [k for k, _ in _found(text)] == []


def test_matches_in_text_order_without_overlap():
    text = "Card 4111 1111 1111 1111\nTEL: 03-7832 6929\ninfo@shop.com.my 15/03/2018 TOTAL 12.50"
    found = find_pii(text)
    assert [m.kind for m in found] == ["card", "phone", "email"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_phone_mask_keeps_separators_first_and_last_two_digits():
    assert [m.masked for m in find_pii("TEL: 03-8024 6600")] == ["03-•••• ••00"]
    assert [m.masked for m in find_pii("+60 3-8024 6600")] == ["+60 •-•••• ••00"]


def test_stats_count_matches_and_items_by_kind_and_bound_the_listing():
    stats = PiiStats(keep=3)
    stats.add("a", "TEL: 03-7832 6929 , 012-659 9829")
    stats.add("b", "no personal data, 15/03/2018 RM 12.50")
    stats.add("c", "j@example.com 4111 1111 1111 1111 H/P: 012-659 9829")
    result = stats.result()
    assert result["items_scanned"] == 3
    assert result["items_with_pii"] == 2
    assert result["matches"] == {"card": 1, "email": 1, "phone": 3}
    assert result["items"] == {"card": 1, "email": 1, "phone": 2}
    assert result["listed"] == [
        {"id": "a", "kind": "phone", "masked": "03-•••• ••29"},
        {"id": "a", "kind": "phone", "masked": "01•-••• ••29"},
        {"id": "c", "kind": "email", "masked": "j•••@example.com"},
    ]
    assert len(stats.listed) == 3  # nothing more is kept, however many items follow
    for i in range(100):
        stats.add(str(i), "TEL: 03-7832 6929")
    assert len(stats.listed) == 3
    assert stats.result(max_listed=1)["listed"] == result["listed"][:1]
    assert stats.result()["matches"]["phone"] == 103
