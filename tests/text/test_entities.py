import pytest

from llavar2.text.entities import find_credit, find_entities, find_key_value


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("Total: $42.10", "price", "$42.10"),
        ("Cappuccino ........ $4.50", "price", "$4.50"),
        ("café crème — 3,50 €", "price", "3,50 €"),
        ("Festival pass EUR 60", "price", "EUR 60"),
        ("Revenue grew to $4.2M", "price", "$4.2M"),
        ("Early bird 20% off", "percentage", "20%"),
        ("Open 7 days a week", "number", "7"),
        ("Customers: 4,210", "number", "4,210"),
        ("Saturday, March 15, 2025", "date", "Saturday, March 15, 2025"),
        ("Due 2024-03-15", "date", "2024-03-15"),
        ("Date: 03/14/2024", "date", "03/14/2024"),
        ("on 3 May 2024", "date", "3 May 2024"),
        ("Doors open 7:30 PM", "time", "7:30 PM"),
        ("mañana 9am–5pm", "time", "9am"),
        ("Visit www.example.com/tickets.", "url", "www.example.com/tickets"),
        ("Slides at https://example.org/q3", "url", "https://example.org/q3"),
        ("Write to info@example.org.", "email", "info@example.org"),
        ("Call (555) 123-4567", "phone", "(555) 123-4567"),
        ("Tel +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("tel 555-0199", "phone", "555-0199"),
    ],
)
def test_finds_entity(line, kind, text):
    spans = [(s.kind, s.text) for s in find_entities(line)]
    assert (kind, text) in spans
    for span in find_entities(line):
        assert line[span.start : span.end] == span.text


def test_entities_do_not_overlap():
    # The digits of the date and time must not come back as numbers or a phone.
    spans = find_entities("2024-03-15 10:00 at 555-0199, info@x.org")
    assert [s.kind for s in spans] == ["date", "time", "phone", "email"]


def test_key_value():
    label, value = find_key_value("Total: $13.72")
    assert (label.text, value.text) == ("Total", "$13.72")
    assert find_key_value("Doors 7:30") is None  # a time, not a label
    assert find_key_value("https://example.org") is None
    assert find_key_value("A very long sentence that happens to have: a colon") is None


@pytest.mark.parametrize(
    ("line", "cue", "name"),
    [
        ("By Jane Doe", "By", "Jane Doe"),
        ("Speaker: Dr. Ann Lee", "Speaker", "Dr. Ann Lee"),
        ("Photo by J. R. Smith", "Photo by", "J. R. Smith"),
        ("Written by Ann Lee, 2020", "Written by", "Ann Lee"),
    ],
)
def test_finds_credit(line, cue, name):
    found_cue, found_name = find_credit(line)
    assert (found_cue.text, found_name.text) == (cue, name)


@pytest.mark.parametrize(
    "line", ["made by hand", "Standby Mode On", "by Jane Doe Designs And More Stuff"]
)
def test_ignores_non_credit(line):
    assert find_credit(line) is None
