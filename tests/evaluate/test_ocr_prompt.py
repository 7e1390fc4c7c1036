"""The OCR block of the prompt, against LLaVAR-2's algorithm written out here independently
(its pop-from-the-front loop over PaddleOCR-style (box, text) pairs)."""

from llavar2.evaluate.ocr_prompt import ocr_block
from llavar2.records import OcrLine


def _line(text, x1, y1, x2, y2):
    return OcrLine(text=text, box=[[x1, y1], [x2, y1], [x2, y2], [x1, y2]], score=0.9)


def _llavar2_reference(pairs):
    texts = [t for _, t in pairs]
    boxes = [[b[0][0], b[0][1], b[2][0], b[2][1]] for b, _ in pairs]

    def same(a, b):
        ma, mb = (a[1] + a[3]) / 2, (b[1] + b[3]) / 2
        return b[1] < ma < b[3] and a[1] < mb < a[3]

    line_boxes, line_texts, best, width = [], [], 0, 0
    while boxes:
        lb, lt = [boxes.pop(0)], [texts.pop(0)]
        n, union = len(lt[-1]), list(lb[-1])
        while boxes and same(lb[-1], boxes[0]):
            lb.append(boxes.pop(0))
            lt.append(texts.pop(0))
            n += len(lt[-1])
            union = [
                min(union[0], lb[-1][0]),
                min(union[1], lb[-1][1]),
                max(union[2], lb[-1][2]),
                max(union[3], lb[-1][3]),
            ]
        line_boxes.append(lb)
        line_texts.append(lt)
        if n >= best:
            best, width = n, union[2] - union[0]
    cw = width / best or 1
    rows = []
    for i, lb in enumerate(line_boxes):
        s = ""
        for j, b in enumerate(lb):
            s += " " + " " * int((int(b[0] / cw) - len(s)) * 0.4) + line_texts[i][j]
        rows.append(s)
    return "Given OCR-based Page Parser Results: " + "\n".join(rows) + "\n"


def test_up_to_four_lines_are_joined_by_spaces():
    lines = [_line("NO", 10, 10, 60, 40), _line("PARKING", 10, 50, 140, 80)]
    assert ocr_block(lines) == "OCR: NO PARKING\n"
    assert ocr_block([]) == ""


def test_more_lines_get_the_page_parser_layout():
    lines = [
        _line("MENU", 200, 10, 300, 50),
        _line("Coffee", 20, 80, 120, 110),
        _line("$3.50", 400, 82, 470, 112),
        _line("Tea", 20, 130, 80, 160),
        _line("$2.75", 400, 131, 470, 161),
        _line("Open daily 7am-7pm", 20, 200, 320, 230),
    ]
    pairs = [(line.box, line.text) for line in lines]
    got = ocr_block(lines)
    assert got == _llavar2_reference(pairs)
    assert got.splitlines()[1].startswith(" Coffee ") and "$3.50" in got.splitlines()[1]
