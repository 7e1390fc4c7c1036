"""pycocoevalcap 1.2's caption tokenisation, reimplemented in pure Python (no Java at run time).

pycocoevalcap's ``PTBTokenizer.tokenize`` replaces "\\n" inside each caption by " ", joins all
captions of the call with "\\n", runs Stanford CoreNLP 3.4.1's tokenizer on that text (``java -cp
stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer -preserveLines -lowerCase``), gives
the i-th output line to the i-th caption and drops the tokens in its PUNCTUATIONS list.
``tokenize(texts)`` returns, for each text, the string pycocoevalcap gives it when the texts are one
call, in this order; ``tokenize_one(text)`` is ``tokenize([text])[0]``; ``ptb_lines(text)`` is the
Java tokenizer's raw output (token lists per line, before the punctuation removal).
tests/metrics/test_ptb.py checks all three against the jar and pycocoevalcap on generated corpora.

The Java side is PTBLexer, a JFlex lexer with the default options: at each position the longest
match of any rule wins, ties going to the earlier rule; a rule "r1/r2" matches r1 only where r2
follows, and r2 counts in the length. Its behaviour, as reproduced here:

* Words: letters (Unicode letters as Java 6/7 classified them, plus combining marks and
  "&eacute;"-style entities), digits after the first letter, "." "!" "?" between letter groups
  ("e.g", "yahoo!inc"); hyphenated words and numbers whole ("well-known", "5-year-old",
  "1-800-555-1234"). Tokens are lower-cased one by one as
  java.lang.String.toLowerCase(Locale.ENGLISH) does (a capital sigma is final or not by Java's rule,
  see _lower_sigma).
* Clitics split off: "n't" "'s" "'m" "'d" "'re" "'ve" "'ll" ("can't" -> "ca n't", "it's" ->
  "it 's"), also with ’ ‘ ` or "&apos;"; "cannot" "gonna" "gotta" "wanna" "lemme" "gimme" "'tis"
  "'twas" become two tokens ("can not", "gon na", "'t is"). Kept whole: "o'clock" "l'amour"
  "d'Avignon" "'90s" "'em" "'n'" "rock 'n' roll" and the other apostrophe words the lexer lists;
  "y'" before a letter ("y' all"). "students'" gives "students" "'". At the very end of the text
  "it'll" and "they're" split as "it" "'" "ll" (the lexer's left-quote rule wins there).
* Quotes: " and &quot; become `` before a letter, digit or $, else ''; ' before a letter and a
  non-space becomes `, else '; “ « -> ``, ” » -> '', ‘ ‛ ‹ -> `, ’ › -> '; '' and pairs of curly
  quotes are one token. pycocoevalcap drops ` `` ' ''; „ ‚ ‟ stay as they are.
* Brackets become -LRB- -RRB- -LCB- -RCB- -LSB- -RSB-, lower-cased to "-lrb-" ... before
  pycocoevalcap's filter, whose list is upper-case: all of them stay (so do smileys: ":)" ->
  ":-rrb-").
* "--" "---" "----" "–" "—" "―" "&mdash;" -> "--" and "..." to "....." "…" ". . ." -> "...":
  dropped, like "-" "." "," ";" ":" "?" "!"; "!!!" "?!" "-----" stay. "&amp;" -> "&".
* Numbers whole: "1,000.50" "10:30" ".5" "-3.5"; fractions "3/4", "1 1/2" (one token, with a
  no-break space: "1\\xa01/2"), "½" -> "1/2"; dates "12/25/2020"; phone numbers "(555) 123-4567" ->
  "-lrb-555-rrb-\\xa0123-4567". "$5" -> "$" "5", "US$3" -> "us$" "3", "£" -> "#", "€" -> "$", "¢" ->
  "cents", "10%" -> "10" "%".
* Abbreviations keep their period: "Mr." "St." "vs." "e.g." "U.S." "a.m." "Inc." "Jan." "No." ... A
  listed abbreviation followed by a space and a capital (or a second space), one at the very end of
  the text, or an acronym followed by "The", "He", "It" ... also yields a "." token (dropped); a
  single letter there loses its period ("I. The" -> "i" "."). So a caption's last token can depend
  on how the next caption starts.
* URLs ("http://...", "www.x.org", "x.com/a"), e-mails, @names, #tags, file names ("a.txt"),
  SGML-like tags ("<b>", "<a href='x'>"), smileys (":)" "^_^") and "c++" "c#" are single tokens.
* "\\r", "\\r\\n", "\\x0b", "\\x0c", "\\u2028" and "\\u2029" inside a caption end its output line:
  as in pycocoevalcap, every later caption of the call then gets the next caption's line; an SGML
  tag whose quoted attribute spans captions merges their lines. Captions left without a line get ""
  (pycocoevalcap leaves them out of its result). To get pycocoevalcap's exact output, call tokenize
  with what it tokenises in one call: all reference captions (image by image) in one call, all
  candidates in another.
* Symbols (%, ©, °, arrows, math ...) are one-character tokens. Characters the lexer does not know
  are deleted: control characters, "₹", and everything outside the Basic Multilingual Plane (emoji),
  except inside URLs, e-mails and SGML tags, which keep them. Spaces, no-break and zero-width spaces
  separate.

Known limits: the final-sigma rule follows java.text.BreakIterator's word boundaries through a
simplified model of them (letters, digits, marks, dashes/periods/quotes between letters ...);
lower-casing uses Python's Unicode tables, which may differ from the JVM's for characters assigned
after Unicode 13, and those can only occur inside URL, e-mail or SGML tokens. No mismatch is known
on the test corpora.

Speed: tokens are cached per whitespace-separated chunk (with the character after it), so a corpus
of 30,000 COCO-like captions takes about 0.2 s; a chunk whose tokens may depend on what follows the
space (abbreviations, "1 1/2", ". . .") is lexed in context each time. From 8,000 texts on, with two
CPUs or more, the first half is lexed in a forked process (when no caption holds a line break or
"<"); ``tokenize_each`` splits several calls' texts (references, then candidates) that way together.
"""

from __future__ import annotations

import multiprocessing
import re
import unicodedata
from collections.abc import Callable, Sequence
from itertools import chain
from operator import add
from typing import Any

from ._processes import can_fork, forking, usable_cpus

__all__ = ["PUNCTUATIONS", "ptb_lines", "tokenize", "tokenize_one"]

# pycocoevalcap.tokenizer.ptbtokenizer.PUNCTUATIONS: the tokens it drops after PTB tokenisation.
PUNCTUATIONS = frozenset(
    [
        "''",
        "'",
        "``",
        "`",
        "-LRB-",
        "-RRB-",
        "-LCB-",
        "-RCB-",
        ".",
        "?",
        "!",
        ",",
        ":",
        "-",
        "--",
        "...",
        ";",
    ]
)

# --------------------------------------------------------------------------------------------------
# Character classes of the Java lexer, as code point ranges: the Unicode letters, digits and
# upper-case letters JFlex 1.4.3 saw (Java 6/7 tables) when CoreNLP 3.4.1 was built, the extra
# characters the lexer counts as letters (combining marks, soft hyphen ...) and the one-character
# symbol tokens. Only the Basic Multilingual Plane: the lexer reads UTF-16 code units (see
# _to_surrogates).
# --------------------------------------------------------------------------------------------------
_LETTER = """
0041-005A 0061-007A 00AA 00B5 00BA 00C0-00D6 00D8-00F6 00F8-02C1 02C6-02D1 02E0-02E4 02EC 02EE
0370-0374 0376-0377 037A-037D 0386 0388-038A 038C 038E-03A1 03A3-03F5 03F7-0481 048A-0527
0531-0556 0559 0561-0587 05D0-05EA 05F0-05F2 0620-064A 066E-066F 0671-06D3 06D5 06E5-06E6
06EE-06EF 06FA-06FC 06FF 0710 0712-072F 074D-07A5 07B1 07CA-07EA 07F4-07F5 07FA 0800-0815 081A
0824 0828 0840-0858 08A0 08A2-08AC 0904-0939 093D 0950 0958-0961 0971-0977 0979-097F 0985-098C
098F-0990 0993-09A8 09AA-09B0 09B2 09B6-09B9 09BD 09CE 09DC-09DD 09DF-09E1 09F0-09F1 0A05-0A0A
0A0F-0A10 0A13-0A28 0A2A-0A30 0A32-0A33 0A35-0A36 0A38-0A39 0A59-0A5C 0A5E 0A72-0A74 0A85-0A8D
0A8F-0A91 0A93-0AA8 0AAA-0AB0 0AB2-0AB3 0AB5-0AB9 0ABD 0AD0 0AE0-0AE1 0B05-0B0C 0B0F-0B10
0B13-0B28 0B2A-0B30 0B32-0B33 0B35-0B39 0B3D 0B5C-0B5D 0B5F-0B61 0B71 0B83 0B85-0B8A 0B8E-0B90
0B92-0B95 0B99-0B9A 0B9C 0B9E-0B9F 0BA3-0BA4 0BA8-0BAA 0BAE-0BB9 0BD0 0C05-0C0C 0C0E-0C10
0C12-0C28 0C2A-0C33 0C35-0C39 0C3D 0C58-0C59 0C60-0C61 0C85-0C8C 0C8E-0C90 0C92-0CA8 0CAA-0CB3
0CB5-0CB9 0CBD 0CDE 0CE0-0CE1 0CF1-0CF2 0D05-0D0C 0D0E-0D10 0D12-0D3A 0D3D 0D4E 0D60-0D61
0D7A-0D7F 0D85-0D96 0D9A-0DB1 0DB3-0DBB 0DBD 0DC0-0DC6 0E01-0E30 0E32-0E33 0E40-0E46 0E81-0E82
0E84 0E87-0E88 0E8A 0E8D 0E94-0E97 0E99-0E9F 0EA1-0EA3 0EA5 0EA7 0EAA-0EAB 0EAD-0EB0 0EB2-0EB3
0EBD 0EC0-0EC4 0EC6 0EDC-0EDF 0F00 0F40-0F47 0F49-0F6C 0F88-0F8C 1000-102A 103F 1050-1055
105A-105D 1061 1065-1066 106E-1070 1075-1081 108E 10A0-10C5 10C7 10CD 10D0-10FA 10FC-1248
124A-124D 1250-1256 1258 125A-125D 1260-1288 128A-128D 1290-12B0 12B2-12B5 12B8-12BE 12C0
12C2-12C5 12C8-12D6 12D8-1310 1312-1315 1318-135A 1380-138F 13A0-13F4 1401-166C 166F-167F
1681-169A 16A0-16EA 1700-170C 170E-1711 1720-1731 1740-1751 1760-176C 176E-1770 1780-17B3 17D7
17DC 1820-1877 1880-18A8 18AA 18B0-18F5 1900-191C 1950-196D 1970-1974 1980-19AB 19C1-19C7
1A00-1A16 1A20-1A54 1AA7 1B05-1B33 1B45-1B4B 1B83-1BA0 1BAE-1BAF 1BBA-1BE5 1C00-1C23 1C4D-1C4F
1C5A-1C7D 1CE9-1CEC 1CEE-1CF1 1CF5-1CF6 1D00-1DBF 1E00-1F15 1F18-1F1D 1F20-1F45 1F48-1F4D
1F50-1F57 1F59 1F5B 1F5D 1F5F-1F7D 1F80-1FB4 1FB6-1FBC 1FBE 1FC2-1FC4 1FC6-1FCC 1FD0-1FD3
1FD6-1FDB 1FE0-1FEC 1FF2-1FF4 1FF6-1FFC 2071 207F 2090-209C 2102 2107 210A-2113 2115 2119-211D
2124 2126 2128 212A-212D 212F-2139 213C-213F 2145-2149 214E 2183-2184 2C00-2C2E 2C30-2C5E
2C60-2CE4 2CEB-2CEE 2CF2-2CF3 2D00-2D25 2D27 2D2D 2D30-2D67 2D6F 2D80-2D96 2DA0-2DA6 2DA8-2DAE
2DB0-2DB6 2DB8-2DBE 2DC0-2DC6 2DC8-2DCE 2DD0-2DD6 2DD8-2DDE 2E2F 3005-3006 3031-3035 303B-303C
3041-3096 309D-309F 30A1-30FA 30FC-30FF 3105-312D 3131-318E 31A0-31BA 31F0-31FF 3400-4DB5
4E00-9FCC A000-A48C A4D0-A4FD A500-A60C A610-A61F A62A-A62B A640-A66E A67F-A697 A6A0-A6E5
A717-A71F A722-A788 A78B-A78E A790-A793 A7A0-A7AA A7F8-A801 A803-A805 A807-A80A A80C-A822
A840-A873 A882-A8B3 A8F2-A8F7 A8FB A90A-A925 A930-A946 A960-A97C A984-A9B2 A9CF AA00-AA28
AA40-AA42 AA44-AA4B AA60-AA76 AA7A AA80-AAAF AAB1 AAB5-AAB6 AAB9-AABD AAC0 AAC2 AADB-AADD
AAE0-AAEA AAF2-AAF4 AB01-AB06 AB09-AB0E AB11-AB16 AB20-AB26 AB28-AB2E ABC0-ABE2 AC00-D7A3
D7B0-D7C6 D7CB-D7FB F900-FA6D FA70-FAD9 FB00-FB06 FB13-FB17 FB1D FB1F-FB28 FB2A-FB36 FB38-FB3C
FB3E FB40-FB41 FB43-FB44 FB46-FBB1 FBD3-FD3D FD50-FD8F FD92-FDC7 FDF0-FDFB FE70-FE74 FE76-FEFC
FF21-FF3A FF41-FF5A FF66-FFBE FFC2-FFC7 FFCA-FFCF FFD2-FFD7 FFDA-FFDC
"""

_LETTER_EXTRA = """
00AD 02C2-02C5 02D2-02DF 02E5-02EB 02ED 02EF-036F 0375 0378-0379 0384-0385 03F6 0483-0487
055A-055F 0591-05BD 05BF 05C1-05C2 05C4-05C5 05C7 0615-061A 064B-065E 0670 06D6-06E4 06E7-06ED
06FD-06FE 070F 0711 0730-074C 07A6-07B0 07EB-07F3 0900-0903 093C 093E-094E 0951-0955 0962-0963
0981-0983 09BC 09BE-09C4 09C7-09C8 09CB-09CD 09D7 09E2-09E3 0A01-0A03 0A3C 0A3E-0A4F 0A81-0A83
0ABC 0ABE-0ACF 0B82 0BBE-0BC2 0BC6-0BC8 0BCA-0BCD 0C01-0C03 0C3E-0C56 0D3E-0D44 0D46-0D48 0E31
0E34-0E3A 0E47-0E4E 0EB1 0EB4-0EBC 0EC8-0ECD
"""

_DIGIT = """
0030-0039 0660-0669 06F0-06F9 07C0-07C9 0966-096F 09E6-09EF 0A66-0A6F 0AE6-0AEF 0B66-0B6F
0BE6-0BEF 0C66-0C6F 0CE6-0CEF 0D66-0D6F 0E50-0E59 0ED0-0ED9 0F20-0F29 1040-1049 1090-1099
17E0-17E9 1810-1819 1946-194F 19D0-19D9 1A80-1A89 1A90-1A99 1B50-1B59 1BB0-1BB9 1C40-1C49
1C50-1C59 A620-A629 A8D0-A8D9 A900-A909 A9D0-A9D9 AA50-AA59 ABF0-ABF9 FF10-FF19
"""

_UPPER = """
0041-005A 00C0-00D6 00D8-00DE 0100 0102 0104 0106 0108 010A 010C 010E 0110 0112 0114 0116 0118
011A 011C 011E 0120 0122 0124 0126 0128 012A 012C 012E 0130 0132 0134 0136 0139 013B 013D 013F
0141 0143 0145 0147 014A 014C 014E 0150 0152 0154 0156 0158 015A 015C 015E 0160 0162 0164 0166
0168 016A 016C 016E 0170 0172 0174 0176 0178-0179 017B 017D 0181-0182 0184 0186-0187 0189-018B
018E-0191 0193-0194 0196-0198 019C-019D 019F-01A0 01A2 01A4 01A6-01A7 01A9 01AC 01AE-01AF
01B1-01B3 01B5 01B7-01B8 01BC 01C4 01C7 01CA 01CD 01CF 01D1 01D3 01D5 01D7 01D9 01DB 01DE 01E0
01E2 01E4 01E6 01E8 01EA 01EC 01EE 01F1 01F4 01F6-01F8 01FA 01FC 01FE 0200 0202 0204 0206 0208
020A 020C 020E 0210 0212 0214 0216 0218 021A 021C 021E 0220 0222 0224 0226 0228 022A 022C 022E
0230 0232 023A-023B 023D-023E 0241 0243-0246 0248 024A 024C 024E 0370 0372 0376 0386 0388-038A
038C 038E-038F 0391-03A1 03A3-03AB 03CF 03D2-03D4 03D8 03DA 03DC 03DE 03E0 03E2 03E4 03E6 03E8
03EA 03EC 03EE 03F4 03F7 03F9-03FA 03FD-042F 0460 0462 0464 0466 0468 046A 046C 046E 0470 0472
0474 0476 0478 047A 047C 047E 0480 048A 048C 048E 0490 0492 0494 0496 0498 049A 049C 049E 04A0
04A2 04A4 04A6 04A8 04AA 04AC 04AE 04B0 04B2 04B4 04B6 04B8 04BA 04BC 04BE 04C0-04C1 04C3 04C5
04C7 04C9 04CB 04CD 04D0 04D2 04D4 04D6 04D8 04DA 04DC 04DE 04E0 04E2 04E4 04E6 04E8 04EA 04EC
04EE 04F0 04F2 04F4 04F6 04F8 04FA 04FC 04FE 0500 0502 0504 0506 0508 050A 050C 050E 0510 0512
0514 0516 0518 051A 051C 051E 0520 0522 0524 0526 0531-0556 10A0-10C5 10C7 10CD 1E00 1E02 1E04
1E06 1E08 1E0A 1E0C 1E0E 1E10 1E12 1E14 1E16 1E18 1E1A 1E1C 1E1E 1E20 1E22 1E24 1E26 1E28 1E2A
1E2C 1E2E 1E30 1E32 1E34 1E36 1E38 1E3A 1E3C 1E3E 1E40 1E42 1E44 1E46 1E48 1E4A 1E4C 1E4E 1E50
1E52 1E54 1E56 1E58 1E5A 1E5C 1E5E 1E60 1E62 1E64 1E66 1E68 1E6A 1E6C 1E6E 1E70 1E72 1E74 1E76
1E78 1E7A 1E7C 1E7E 1E80 1E82 1E84 1E86 1E88 1E8A 1E8C 1E8E 1E90 1E92 1E94 1E9E 1EA0 1EA2 1EA4
1EA6 1EA8 1EAA 1EAC 1EAE 1EB0 1EB2 1EB4 1EB6 1EB8 1EBA 1EBC 1EBE 1EC0 1EC2 1EC4 1EC6 1EC8 1ECA
1ECC 1ECE 1ED0 1ED2 1ED4 1ED6 1ED8 1EDA 1EDC 1EDE 1EE0 1EE2 1EE4 1EE6 1EE8 1EEA 1EEC 1EEE 1EF0
1EF2 1EF4 1EF6 1EF8 1EFA 1EFC 1EFE 1F08-1F0F 1F18-1F1D 1F28-1F2F 1F38-1F3F 1F48-1F4D 1F59 1F5B
1F5D 1F5F 1F68-1F6F 1FB8-1FBB 1FC8-1FCB 1FD8-1FDB 1FE8-1FEC 1FF8-1FFB 2102 2107 210B-210D
2110-2112 2115 2119-211D 2124 2126 2128 212A-212D 2130-2133 213E-213F 2145 2160-216F 2183
24B6-24CF 2C00-2C2E 2C60 2C62-2C64 2C67 2C69 2C6B 2C6D-2C70 2C72 2C75 2C7E-2C80 2C82 2C84 2C86
2C88 2C8A 2C8C 2C8E 2C90 2C92 2C94 2C96 2C98 2C9A 2C9C 2C9E 2CA0 2CA2 2CA4 2CA6 2CA8 2CAA 2CAC
2CAE 2CB0 2CB2 2CB4 2CB6 2CB8 2CBA 2CBC 2CBE 2CC0 2CC2 2CC4 2CC6 2CC8 2CCA 2CCC 2CCE 2CD0 2CD2
2CD4 2CD6 2CD8 2CDA 2CDC 2CDE 2CE0 2CE2 2CEB 2CED 2CF2 A640 A642 A644 A646 A648 A64A A64C A64E
A650 A652 A654 A656 A658 A65A A65C A65E A660 A662 A664 A666 A668 A66A A66C A680 A682 A684 A686
A688 A68A A68C A68E A690 A692 A694 A696 A722 A724 A726 A728 A72A A72C A72E A732 A734 A736 A738
A73A A73C A73E A740 A742 A744 A746 A748 A74A A74C A74E A750 A752 A754 A756 A758 A75A A75C A75E
A760 A762 A764 A766 A768 A76A A76C A76E A779 A77B A77D-A77E A780 A782 A784 A786 A78B A78D A790
A792 A7A0 A7A2 A7A4 A7A6 A7A8 A7AA FF21-FF3A
"""

_MISC = """
0025 00A1 00A6-00A9 00AC 00AE-00B1 00B4 00B6-00B8 00BF 00D7 00F7 037E 0387 0589 05BE 05C0 05C3
05C6 05F3-05F4 0600-0603 0606-060A 060C 0614 061B 061E-061F 066A 066D 06D4 0700-070D 07F6-07F8
0964-0965 0E4F 1FBD 2016-2017 2020-2023 2030-2038 203B 203E-2042 207C-207E 208C-208E 2100-2101
2103-2106 2108-2109 2114 2116-2118 211E-2123 2125 2127 2129 212E 213A-213B 2140-2144 214A-214D
214F 2190-2BFF 3002 3012 30FB FF01-FF0F FF1A-FF20 FF3B-FF40 FF5B-FF65
"""


def _cls(spec: str) -> str:
    """Code point ranges ("0041-005A 00AA ...") as the body of a regex character class."""
    out = []
    for item in spec.split():
        a, _, b = item.partition("-")
        out.append(f"\\u{a.lower()}-\\u{b.lower()}" if b else f"\\u{a.lower()}")
    return "".join(out)


_L = _cls(_LETTER)  # JFlex [:letter:]
_LX = _cls(
    _LETTER_EXTRA
)  # the extra characters the lexer's LETTER macro adds (marks, soft hyphen...)
_D = _cls(_DIGIT)  # [:digit:]
_UP = _cls(_UPPER)  # [:uppercase:]
_MS = _cls(_MISC)  # single-character symbol tokens

LET = rf"(?:[{_L}{_LX}]|&[aeiouAEIOU](?i:acute|grave|uml);)"
DIG = f"[{_D}]"
LD = f"[{_L}{_D}]"
SP = "[ \\t\\xa0\\u2000-\\u200a\\u3000]"
NL = "(?:\\r\\n|[\\n\\r\\x0b\\x0c\\x85\\u2028\\u2029])"
SPNL = f"(?:{SP}|{NL})"
APOS = "(?:['\\x92\\u2019]|(?i:&apos;))"
APOSETC = "(?:['`\\x91\\x92\\u2018\\u2019\\u201b]|(?i:&apos;))"

WORD = f"{LET}(?:{LET}|{DIG})*(?:[.!?]{LET}(?:{LET}|{DIG})*)*"
REDAUX = f"{APOS}(?:[msdMSD]|(?i:re|ve|ll))"
SWORD = "[A-Za-z\\xad]*[A-MO-Za-mo-z]\\xad*"
SREDAUX = f"(?i:n){APOSETC}(?i:t)"
SGML = (
    "<(?:[!?][A-Za-z\\-][^>\\r\\n]*"
    "|[A-Za-z][A-Za-z0-9_:.\\-]*"
    "(?: +[A-Za-z][A-Za-z0-9_:.\\-]*(?: *= *(?:'[^']*'|\"[^\"]*\"))?)* */?"
    "|/[A-Za-z][A-Za-z0-9_:.\\-]*) *>"
)
APOWORD_ALTS = [
    APOS + "(?i:n)" + APOS + "?",
    "[lLdDjJ]" + APOS,
    "(?i:dunkin)" + APOS,
    "(?i:somethin)" + APOS,
    "(?i:ol)" + APOS,
    APOS + "(?i:em)",
    f"[A-HJ-XZn]{APOSETC}[{_L}]{{2}}[{_L}]*",
    APOS + "[2-9]0(?i:s)",
    APOS + "(?i:till?)",
    f"[{_L}]+[aeiouyAEIOUY]{APOSETC}[aeiouA-Z][{_L}]*",
    APOS + "(?i:cause)",
    "(?i:cont'd\\.?|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)",
    f"(?i:o){APOSETC}(?i:o)",
]
FULLURL = '(?i:https?)://[^ \\t\\n\\f\\r"<>|(){}]+[^ \\t\\n\\f\\r"<>|.!?(){},-]'
_URLPATH = '(?:/[^ \\t\\n\\f\\r"<>|()]+[^ \\t\\n\\f\\r"<>|.!?(){},-])?'
LIKELYURL_ALTS = [
    '(?i:www)\\.(?:[^ \\t\\n\\f\\r"<>|.!?(){},]+\\.)+[a-zA-Z]{2,4}' + _URLPATH,
    "(?:[^ \\t\\n\\f\\r\"`'<>|.!?(){},-_$]+\\.)+(?i:com|net|org|edu)" + _URLPATH,
]
EMAIL = (
    '(?:(?i:&lt;)|<)?[a-zA-Z0-9][^ \\t\\n\\f\\r"<>|(){}\\xa0]*@'
    '(?:[^ \\t\\n\\f\\r"<>|(){}.\\xa0]+\\.)*'
    '[^ \\t\\n\\f\\r"<>|(){}.\\xa0]+(?:(?i:&gt;)|>)?'
)
TWITTER = f"@[a-zA-Z_][a-zA-Z_0-9]*|#{LET}+"
DATE = f"{DIG}{{1,2}}[\\-/]{DIG}{{1,2}}[\\-/]{DIG}{{2,4}}"
NUM = f"{DIG}*(?:[.:,\\xad\\u066b\\u066c]{DIG}+)+|{DIG}+"
NUMBER = f"[\\-+]?(?:{NUM})"
SUBSUPNUM = (
    "[\\u207a\\u207b\\u208a\\u208b]?(?:[\\u2070\\xb9\\xb2\\xb3\\u2074-\\u2079]+|[\\u2080-\\u2089]+)"
)
FRAC = f"(?:{DIG}{{1,4}}[\\- \\xa0])?{DIG}{{1,4}}(?:\\\\?/|\\u2044){DIG}{{1,4}}"
TBSPEC = (
    "-(?i:rrb|lrb|rcb|lcb|rsb|lsb)-|(?i:c\\.d\\.s|pro-|anti-|s(?:&|&amp;)p-500|s(?:&|&amp;)ls)"
    f"|(?i:cap){APOS}(?i:n)|(?i:c){APOS}(?i:est)"
)
THING3 = "[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}"
ACRO = (
    "(?i:(?:canada|sino|korean|eu|japan|non)-u\\.s|u\\.s\\.-(?:u\\.s\\.s\\.r|u\\.k))"
    "|[A-Za-z](?:\\.[A-Za-z])*"
)
ACRO2 = (
    "(?i:(?:canada|sino|korean|eu|japan|non)-u\\.s|u\\.s\\.-(?:u\\.s\\.s\\.r|u\\.k))"
    "|[A-Za-z](?:\\.[A-Za-z])+"
)
FOLLOW = (
    "A(?i:bout|ccording|dditionally|fter|n|s|t)?|B(?i:ut)|E(?i:arlier)|H(?i:owever|ere|er|e)"
    "|I(?i:f|n|t)|L(?i:ast)|M(?i:any|ore|r\\.|s\\.)|N(?i:ow)|O(?i:nce|ne|ther|ur)"
    "|S(?i:he|ince|ome|uch|o)|T(?i:hat|heir|hen|here|hese|hey|his|he)|W(?i:e|hat|hen|hile)"
    "|Y(?i:et|ou)|" + SGML
)
ABBREV1 = (
    "(?:(?i:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|mon|tues|tue|wed|thurs|thu|fri"
    "|ala|ariz|calif|colo|conn|ct|dak|fla|ga|ind|kans|kan|ky|md|mich|minn|mont|mo|neb|nev|okla"
    "|penn|tenn|va|vt|wisc|wis|wyo|inc|cos|co|corp"
    "|ltd|plc|rt|bancorp|bhd|assn|univ|intl|sys|tel|est|ext|sq|jr|sr|bros|ed\\.d|ph\\.d|blvd|rd"
    "|esq|etc|al|seq|bldg)"
    "|(?i:pp?t)[ye](?i:s)?|A(?i:z|rk)|D(?i:el)|I(?i:ll)|L(?i:a)|M(?i:ass|iss)|O(?i:re)|P(?i:a)|T(?i:ex)|W(?i:ash))\\."
)
ABBREV3 = "(?i:ca|figs|fig|prop|nos|no|art|bldg|pp|op)\\."
ABBREV4 = (
    "(?i:mrs|mr|ms|drs|dr|profs|prof|sens|sen|reps|rep|attys|atty|lt|col|gen|messrs|govs|gov|adm"
    "|rev|maj|sgt|cpl|pvt|capt|ste|st|ave|pres|lieut|hon|brig|comdr|cmdr|pfc|spc|supts|supt|det"
    "|mt|ft|adj|adv|asst|assoc|ens|insp|mlle|mme|msgr|sfc|vs|alex|wm|jos|cie|a\\.k\\.a|cf|treas"
    "|ph|invt|elec|natl|dept)|(?i:m)[ft](?i:g)"
)
ABBREV4_ALTS = [ABBREV4, ACRO]
SENTEND = f"{SPNL}(?:{SPNL}|[{_UP}]|{SGML})"
FILENAME_EXT = (
    "(?i:bat|bmp|cgi|cpp|class|c|dll|docx|doc|exe|gif|gz|html|htm|h|jar|java|jpeg|jpg|mov|mp3|pdf"
    "|php|pl|png|ppt|ps|py|sql|tar|txt|wav|xml|x|zip)"
)
_LETDIG = f"(?:{LET}|{DIG})"
FILENAME = f"{_LETDIG}+(?:\\.{_LETDIG}+)*\\.{FILENAME_EXT}"
INSENTP = "[,;:\\u3001]"
PHONE_ALTS = [
    "\\([0-9]{2,3}\\)[ \\xa0]?[0-9]{3,4}[\\- \\xa0]?[0-9]{3,5}",
    "(?:\\+\\+?)?(?:[0-9]{2,4}[\\- \\xa0])?[0-9]{2,4}[\\- \\xa0][0-9]{3,4}[\\- \\xa0]?[0-9]{3,5}",
    "(?:(?:\\+\\+?)?[0-9]{2,4}\\.)?[0-9]{2,4}\\.[0-9]{3,4}\\.[0-9]{3,5}",
]
DBLQUOT = '"|(?i:&quot;)'
SMILEY = "[<>]?[:;=][\\-o*']?[()DPdpO\\\\{@|\\[\\]]"
ASIANSMILEY = "[\\-\\^x=~<>']_[\\-\\^x=~<>']|\\([\\-\\^x=~<>'][_.]?[\\-\\^x=~<>']\\)"
LDOTS = "\\.{3,5}|(?:\\.[ \\xa0]){2,4}\\.|[\\x85\\u2026]"
HYPHEN = "[\\-_\\u058a\\u2010\\u2011]"
HTHING = f"[A-Za-z0-9][A-Za-z0-9.,\\xad]*(?:-(?:(?:{ACRO2})\\.|[A-Za-z0-9\\xad]+))+"
_APOPRE = f"(?:[dDoOlL]{APOSETC}{LD})?"
THING = f"{_APOPRE}{LD}+(?:{HYPHEN}{_APOPRE}{LD}+)*"
THINGA = "[A-Z]+(?:(?:(?i:&amp;)|[+&])[A-Z]+)+"
QUOTES = "''|[`\\x91-\\x94\\u2018-\\u201f\\u2039\\u203a\\xab\\xbb]{1,2}|" + APOS


# --------------------------------------------------------------------------------------------------
# Token normalisations (PTBLexer's default options: PTB3 escaping, LaTeX quotes, PTB3 ellipsis and
# dashes, currency and fraction normalisation; no americanisation, no escaping of "/" and "*").
# --------------------------------------------------------------------------------------------------
_SQ = re.compile("&apos;|'")
_DQ = re.compile('"|&quot;')
_LSQ = re.compile("[\\x91\\u2018\\u201b\\u2039]")
_RSQ = re.compile("[\\x92\\u2019\\u203a]")
_LDQ = re.compile("[\\x93\\u201c\\xab]")
_RDQ = re.compile("[\\x94\\u201d\\xbb]")
_AMP = re.compile("(?i:&amp;)")
_CUR = re.compile("[\\x80\\xa4\\u20a0\\u20ac]")
_FRAC2 = {"\xbc": "1/4", "\xbd": "1/2", "\xbe": "3/4", "\u2153": "1/3", "\u2154": "2/3"}


def _latex(s: str, left: bool) -> str:
    if left:
        s = _DQ.sub("``", _SQ.sub("`", s))
    else:
        s = _DQ.sub("''", _SQ.sub("'", s))
    s = _RSQ.sub("'", _LSQ.sub("`", s))
    return _RDQ.sub("''", _LDQ.sub("``", s))


def _rsh(s: str) -> str:
    """Remove soft hyphens ("-" if nothing is left)."""
    if "\xad" not in s:
        return s
    return s.replace("\xad", "") or "-"


def _out(kind: str, t: str):
    """The token for the text t matched by a rule of this kind; None for nothing, "\\n" for a line
    break."""
    if kind == "tok":
        return t
    if kind == "rsh":
        return _rsh(t)
    if kind == "qR":
        return _latex(t, False)
    if kind == "qL":
        return _latex(t, True)
    if kind == "amp":
        return _AMP.sub("&", t)
    if kind == "nbsp":
        return t.replace(" ", "\xa0")
    if kind == "paren":
        return t.replace("(", "-LRB-").replace(")", "-RRB-")
    if kind == "phone":
        return t.replace(" ", "\xa0").replace("(", "-LRB-").replace(")", "-RRB-")
    if kind == "hyph":
        return "--" if 3 <= len(t) <= 4 else t
    if kind == "frac2":
        return _FRAC2.get(t, t)
    if kind == "cur":
        return _CUR.sub("$", t.replace("\xa2", "cents").replace("\xa3", "#"))
    if kind == "skip":
        return None
    if kind == "nl":
        return "\n"
    return kind  # a constant: "--", "...", "<", ">", "-LRB-", ...


# --------------------------------------------------------------------------------------------------
# The rules, in PTBLexer's order. _r(name, first characters, pattern or alternatives, trailing
# context, kind of output, post=("pb", n) to give the last n characters back, "dup" to give back the
# final period after returning it with the token, "acro" for an acronym before a sentence start;
# ctxlen: fixed length of the trailing context; run: bounds the longest match where Python's first
# match may be shorter).
# --------------------------------------------------------------------------------------------------
class _Rule:
    __slots__ = ("name", "alts", "r1", "r2", "ctxlen", "kind", "post", "run")

    def __init__(self, name, first, alts, ctx=None, kind="tok", post=None, ctxlen=None, run=None):
        self.name = name
        if isinstance(alts, str):
            alts = [alts]
        self.alts = [
            re.compile("(?:{}){}".format(a, "" if ctx is None else f"(?:{ctx})")) for a in alts
        ]
        self.r1 = None if ctx is None else re.compile("|".join(f"(?:{a})" for a in alts))
        self.r2 = None if ctx is None else re.compile(ctx)
        self.ctxlen = ctxlen
        self.kind = kind
        self.post = post
        self.run = None if run is None else re.compile(run)
        _FIRST.append(re.compile(first if first.startswith("(?:") else f"[{first}]"))


_FIRST: list = []
_RULES: list = []


def _r(*a, **k):
    _RULES.append(_Rule(*a, **k))


_LETTERISH = (
    "A-Za-z\\u0130\\u0131\\u017f\\u212a"  # ASCII letters and what (?i:) literals also match
)
_URLRUN = '[^ \\t\\n\\f\\r"<>|()]*'
_HRUN = "[A-Za-z0-9.,\\xad\\-\\u0130\\u0131\\u017f\\u212a]*"
_APOSF = "'\\x92\\u2019&"
_LF = f"{_L}{_LX}&"  # first characters of WORD
_DIGF = _D
_MS2 = _MS + "+&~^|\\\\\\u2044\\u207a\\u207b\\u208a\\u208b"

_r("PROG_LANGS", "cCfF", "(?i:c\\+\\+|[cf]#)")
_r("ASSIM3", "cC'", "(?i:cannot|'twas)", post=("pb", 3))
_r("ASSIM2", "'gGlLwW", "(?i:'tis|gonna|gotta|lemme|gimme|wanna)", post=("pb", 2))
_r("SGML", "<", SGML, kind="nbsp")
_r(
    "SPMDASH",
    "&\\x96\\x97\\u2013-\\u2015",
    "&(?i:md|mdash|ndash);|[\\x96\\x97\\u2013-\\u2015]",
    kind="--",
)
_r("SPAMP", "&", "&(?i:amp);", kind="amp")
_r("SPPUNC", "&", "&(?i:ht|tl|ur|lr|qc|ql|qr|odq|cdq|#[0-9]+);")
_r("WORD_REDAUX", _LF, WORD, REDAUX, kind="rsh")
_r("SWORD_SREDAUX", "A-Za-z\\xad", SWORD, SREDAUX, kind="rsh")
_r("WORD", _LF, WORD, kind="rsh")
_r("APOWORD", _L + _APOSF, APOWORD_ALTS)
_r("APOWORD2", "yY", "(?i:y)" + APOS, f"[{_L}]", ctxlen=1)
_r("FULLURL", "hH", FULLURL)
_r("LIKELYURL", "(?:[wW]|[^ \\t\\n\\f\\r\"`'<>|.!?(){},-_$])", LIKELYURL_ALTS, run=_URLRUN)
_r("EMAIL", "<&a-zA-Z0-9", EMAIL)
_r("TWITTER", "@#", TWITTER)
_r("REDAUX_CTX", _APOSF, REDAUX, "[^A-Za-z]", kind="qR", ctxlen=1)
_r("SREDAUX_CTX", "nN", SREDAUX, "[^A-Za-z]", kind="qR", ctxlen=1)
_r("SREDAUX", "nN", SREDAUX, kind="qR")
_r("DATE", _DIGF, DATE)
_r("NUMBER", _DIGF + "\\-+.:,\\xad\\u066b\\u066c", NUMBER, kind="rsh")
_r(
    "SUBSUPNUM",
    "\\u207a\\u207b\\u208a\\u208b\\u2070\\xb9\\xb2\\xb3\\u2074-\\u2079\\u2080-\\u2089",
    SUBSUPNUM,
)
_r("FRAC", _DIGF, FRAC, kind="nbsp")
_r("FRAC2", "\\xbc-\\xbe\\u2153-\\u215e", "[\\xbc-\\xbe\\u2153-\\u215e]", kind="frac2")
_r("TBSPEC", "\\-" + _LETTERISH, TBSPEC, kind="amp")
_r("THING3", "A-Za-z0-9", THING3, run="[A-Za-z0-9\\-\\\\/]*")
_r("DOLSIGN", "A-Z$#", "[A-Z]*\\$|#")
_r(
    "DOLSIGN2",
    "\\xa2-\\xa5\\x80\\u20a0\\u20ac\\u060b\\u0e3f\\u20a4\\uffe0\\uffe1\\uffe5\\uffe6",
    "[\\xa2-\\xa5\\x80\\u20a0\\u20ac\\u060b\\u0e3f\\u20a4\\uffe0\\uffe1\\uffe5\\uffe6]",
    kind="cur",
)
_r(
    "ACRONYM_SENT",
    _LETTERISH,
    f"(?:{ACRO})\\.",
    f"{SPNL}+(?:{FOLLOW}){SPNL}",
    post="acro",
)
_r("ABBREV3", _LETTERISH, ABBREV3, f"{SPNL}?[{_D}]")
_r("PTYLTD", _LETTERISH, "(?i:pt[ey]|co)\\.", f"{SP}(?i:ltd|lim)", ctxlen=4)
_r("ABBREV1_SENT", _LETTERISH, ABBREV1, SENTEND, post="dup")
_r("ABBREV1_2", _LETTERISH, ABBREV1, "(?s:..)", ctxlen=2)
_r("ABBREV1", _LETTERISH, ABBREV1, post="dup")
_r("ABBREV2", _LETTERISH, [f"(?:{a})\\." for a in ABBREV4_ALTS])
_r("ABBREV4_SP", _LETTERISH, ABBREV4_ALTS, SP, ctxlen=1)
_r("ACRO_SPNL", _LETTERISH, ACRO, SPNL)
_r("TBSPEC2", _APOSF, APOS + "[0-9][0-9]", SPNL)
_r("FILENAME", _LF + _D, FILENAME, f"{SPNL}|[.?!,]")
_r("WORD_DOT", _LF, WORD + "\\.", INSENTP, kind="rsh", ctxlen=1)
_r("PHONE", "(+0-9", PHONE_ALTS, kind="phone", run="[0-9 \\-\\xa0().+]*")
_r("DBLQUOT_L", '"&', DBLQUOT, "[A-Za-z0-9$]", kind="qL", ctxlen=1)
_r("DBLQUOT", '"&', DBLQUOT, kind="qR")
_r("DEL", "\\x7f", "\\x7f", kind="skip")
_r("LT", "<&", "<|(?i:&lt;)", kind="<")
_r("GT", ">&", ">|(?i:&gt;)", kind=">")
_r("SMILEY", "<>:;=", SMILEY, "[^A-Za-z0-9]", kind="paren", ctxlen=1)
_r("ASIANSMILEY", "\\-^x=~<>'(", ASIANSMILEY, kind="paren")
_r("LCB", "{", "\\{", kind="-LCB-")
_r("RCB", "}", "\\}", kind="-RCB-")
_r("LSB", "\\[", "\\[", kind="-LSB-")
_r("RSB", "\\]", "\\]", kind="-RSB-")
_r("LRB", "(", "\\(", kind="-LRB-")
_r("RRB", ")", "\\)", kind="-RRB-")
_r("HYPHENS", "\\-", "-+", kind="hyph")
_r("LDOTS", ".\\x85\\u2026", LDOTS, kind="...")
_r("FNMARKS", "@#_", "@+|#+|_+")
_r("ASTS", "*\\\\", "\\*+|(?:\\\\\\*){1,3}")
_r("INSENTP", ",;:\\u3001", INSENTP)
_r("QE", "?!", "[?!]+")
_r(
    "PUNCT",
    ".\\xa1\\xbf\\u037e\\u0589\\u061f\\u06d4\\u0700-\\u0702\\u07fa\\u3002",
    "[.\\xa1\\xbf\\u037e\\u0589\\u061f\\u06d4\\u0700-\\u0702\\u07fa\\u3002]",
)
_r("EQ", "=", "=")
_r("SLASH", "/", "/")
_r(
    "HTHING_DOT",
    "A-Za-z0-9",
    HTHING + "\\.",
    INSENTP,
    kind="rsh",
    ctxlen=1,
    run=_HRUN + "[,;:\\u3001]?",
)
_r("HTHING", "A-Za-z0-9", HTHING, kind="rsh", run=_HRUN)
_r("THING_DOT", _L + _D, THING + "\\.", INSENTP, ctxlen=1)
_r("THING", _L + _D, THING)
_r("THINGA_DOT", "A-Z", THINGA + "\\.", INSENTP, kind="amp", ctxlen=1)
_r("THINGA", "A-Z", THINGA, kind="amp")
_r("QLEFT", "'", "'", "[A-Za-z][^ \\t\\n\\r\\xa0]", kind="qL", ctxlen=2)
_r("REDAUX", _APOSF, REDAUX, kind="qR")
_r("QUOTES", "`\\x91-\\x94\\u2018-\\u201f\\u2039\\u203a\\xab\\xbb" + _APOSF, QUOTES, kind="qR")
_r("DUCK", "<>", "<<|>>")
_r("MISC", _MS2, f"[{_MS2}]")
_r(
    "SKIP",
    "\\x00\\u200b\\u200e\\u200f\\ufeff \\t\\xa0\\u2000-\\u200a\\u3000",
    f"\\x00|{SP}+|[\\u200b\\u200e\\u200f\\ufeff]",
    kind="skip",
)
_r("NEWLINE", "\\n\\r\\x0b\\x0c\\x85\\u2028\\u2029", NL, kind="nl")
_r("NBSP", "&", "(?i:&nbsp;)", kind="skip")


_DISPATCH: dict = {}


def _candidates(c: str) -> tuple:
    r = _DISPATCH.get(c)
    if r is None:
        r = _DISPATCH[c] = tuple(rule for rule, f in zip(_RULES, _FIRST) if f.match(c))
    return r


def _lex_at(text: str, pos: int, rules=None):
    """Lex at pos: (next position, token), token None for nothing and "\\n" for a line break."""
    best = None
    blen = 0
    for rule in _candidates(text[pos]) if rules is None else rules:
        for rx in rule.alts:
            m = rx.match(text, pos)
            if m is not None:
                e = m.end()
                if rule.run is not None:
                    for e2 in range(rule.run.match(text, pos).end(), e, -1):
                        if rx.fullmatch(text, pos, e2):
                            e = e2
                            break
                if e - pos > blen:
                    blen = e - pos
                    best = rule
    if best is None:
        return pos + 1, None  # a character the lexer does not know: deleted
    end = pos + blen
    if best.r2 is None:
        t1 = end
    elif best.ctxlen is not None:
        t1 = end - best.ctxlen
    else:  # JFlex's trailing context: the longest head whose rest matches the context
        t1 = end
        while not (best.r1.fullmatch(text, pos, t1) and best.r2.fullmatch(text, t1, end)):
            t1 -= 1
    nxt = t1
    post = best.post
    if post is not None:
        if post == "dup":
            nxt = t1 - 1
        elif post == "acro":
            if t1 - pos == 2:
                t1 = nxt = pos + 1
            else:
                nxt = t1 - 1
        else:
            t1 = nxt = t1 - post[1]
    return nxt, _out(best.kind, text[pos:t1])


def _lex_span(text: str, pos: int, end: int, out: list, seen=None) -> int:
    """Lex from pos until a token ends at or after end, appending the lower-cased tokens to out."""
    while pos < end:
        if seen is not None:
            seen.append(pos)
        pos, tok = _lex_at(text, pos)
        if tok is not None:
            out.append(_lower(tok))
    return pos


def _lower(tok: str) -> str:
    return tok.lower() if "\u03a3" not in tok else _lower_sigma(tok)


def _wclass(c: str) -> str:
    """The character's class in java.text.BreakIterator's word rules: K(anji), T (katakana),
    H(iragana), L(etter), N(umber), I(gnorable: marks and format characters), or the character
    itself."""
    o = ord(c)
    if o == 0x3005 or 0x4E00 <= o <= 0x9FA5 or 0xF900 <= o <= 0xFA2D:
        return "K"
    if o == 0x30FC or 0x3041 <= o <= 0x309E:
        return "H"
    if 0x3099 <= o <= 0x309C or 0x30A1 <= o <= 0x30FE:
        return "T"
    cat = unicodedata.category(c)
    if cat in ("Mn", "Me", "Cf"):
        return "I"
    if cat[0] == "L" or cat == "Mc" or c == "_":
        return "L"
    if cat[0] == "N":
        return "N"
    return "-" if cat == "Pd" else c


_MID = {"L": "-\xad\u2027\"'.", "N": "\"',\u066b."}


def _joined(tok: str, j: int) -> bool:
    """No word boundary between tok[j - 1] and tok[j], as java.text.BreakIterator finds words
    (roughly): runs of letters and numbers, with a dash, period or quote between letters, or a
    comma, period or quote between digits; marks and format characters stick to what precedes them;
    kanji, katakana and hiragana runs are words of their own."""
    b = _wclass(tok[j])
    if b == "I":
        return True
    i = j - 1
    while i > 0 and _wclass(tok[i]) == "I":
        i -= 1
    a = _wclass(tok[i])
    if a in "LN" and b in "LN" or a in "KTH" and a == b:
        return True
    if a in "LN" and b in _MID[a]:  # a mid character: joined if the same kind follows it
        k = j + 1
        while k < len(tok) and _wclass(tok[k]) == "I":
            k += 1
        return k < len(tok) and _wclass(tok[k]) == a
    if b in "LN" and a in _MID[b] and i > 0:  # after a mid character that joined the same kind
        k = i - 1
        while k > 0 and _wclass(tok[k]) == "I":
            k -= 1
        return _wclass(tok[k]) == b
    return False


def _cased(c: str) -> bool:
    """java.lang.ConditionalSpecialCasing's "cased": an upper, lower or title case letter, or one of
    a few modifier letters, roman numerals and circled letters."""
    if unicodedata.category(c) in ("Lu", "Ll", "Lt"):
        return True
    o = ord(c)
    return (
        0x2B0 <= o <= 0x2B8
        or 0x2C0 <= o <= 0x2C1
        or 0x2E0 <= o <= 0x2E4
        or o == 0x345
        or o == 0x37A
        or 0x1D2C <= o <= 0x1D61
        or 0x2160 <= o <= 0x217F
        or 0x24B6 <= o <= 0x24E9
    )


def _lower_sigma(tok: str) -> str:
    """Java's toLowerCase on a token holding a capital sigma: it becomes a final sigma when a cased
    letter precedes it within its word and none follows within it (the word as BreakIterator finds
    it, not the case-ignorable rule of Python's str.lower)."""
    out = []
    n = len(tok)
    for i, c in enumerate(tok):
        if c != "\u03a3":
            out.append(c.lower())
            continue
        final = False
        j = i
        while j > 0 and _joined(tok, j):
            if _cased(tok[j - 1]):
                final = True
                k = i + 1
                while k < n and _joined(tok, k):
                    if _cased(tok[k]):
                        final = False
                        break
                    k += 1
                break
            j -= 1
        out.append("\u03c2" if final else "\u03c3")
    return "".join(out)


# --------------------------------------------------------------------------------------------------
# The fast path. Tokens are cached per chunk, with the character after it. A chunk is what lies
# between separators, a separator being a newline or a space or tab with the spaces after it (the
# lexer skips such a run in one go, no-break and other Unicode spaces included). Lexing starts
# afresh at a chunk, and a token, or the context a rule looks at, runs past the character after it
# only in a few shapes: SGML tags with attributes (the chunk holds "<"), "\r\n", fractions and phone
# numbers with a space ("1 1/2": the chunk ends in a digit or ")" and " " + digit follows), spaced
# ellipses (the chunk ends in "." and " ." follows), and the abbreviation and acronym rules that
# look at the next word (one of the chunk's tokens may start an acronym or listed abbreviation that
# ends at its last period). Those are cached with a check of what follows, under a key holding the
# next word, or not at all.
# --------------------------------------------------------------------------------------------------
_PIECES = re.compile("([ \\t][ \\t\\xa0\\u2000-\\u200a\\u3000]*)|(\\n)|[^ \\t\\n]+")
_SPLIT = re.compile("([ \\t])([ \\t\\xa0\\u2000-\\u200a\\u3000]*)")
_SPNL_CHARS = " \\t\\n\\r\\x0b\\x0c\\x85\\u2028\\u2029\\xa0\\u2000-\\u200a\\u3000"
_NEXT_WORD = re.compile(f"[{_SPNL_CHARS}]+([^{_SPNL_CHARS}]*)")  # spaces, the next word
_DOT_END = re.compile("\\.[\\xa0\\u2000-\\u200a\\u3000\\r\\x0b\\x0c\\x85\\u2028\\u2029]*\\Z")
_CROSS = re.compile(f"(?:{ACRO})\\.|{ABBREV1}|{ABBREV3}|(?i:pt[ey]|co)\\.")
_DIGIT_END = re.compile(f"[){_D}]\\Z")
_DIGIT_RE = re.compile(DIG)
_ASTRAL = re.compile("[\\U00010000-\\U0010ffff]")
_SURR = re.compile("[\\ud800-\\udfff]")
_LONE = re.compile("[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]")
# Cache: chunk + next character -> a tuple of its tokens without PUNCTUATIONS (it had tokens, the
# last not ending in whitespace); or an _Entry (tokens, whether the last token ends in whitespace
# (None: no token), None or check(text, end) telling where the entry does not apply); or
# _NEXT_WORD_KEY: look up "\0" + chunk + separator + next word + the character after it instead.
_CACHE_MAX = 200_000  # entries (tens of MB at most); then it starts over
_NEXT_WORD_KEY = object()
_EMPTY = {"": (), " ": (), "\t": (), "\n": ()}  # an empty chunk: at the start or end of a line
_CACHE: dict = dict(_EMPTY)


class _Entry:
    """A cache entry the fast path cannot take as it is (not iterable, unlike the plain tuples)."""

    __slots__ = ("toks", "ws", "check")

    def __init__(self, toks: tuple, ws, check):
        self.toks, self.ws, self.check = toks, ws, check


def _reset_cache() -> None:
    _CACHE.clear()
    _CACHE.update(_EMPTY)


def _cache_put(key: str, value) -> None:
    if len(_CACHE) >= _CACHE_MAX:
        _reset_cache()
    _CACHE[key] = value


def _next_is_dot(text: str, i: int) -> bool:
    return text.startswith(" .", i)


def _next_is_digit(text: str, i: int) -> bool:
    return text.startswith(" ", i) and _DIGIT_RE.match(text, i + 1) is not None


def _to_surrogates(m) -> str:
    c = ord(m.group()) - 0x10000
    return chr(0xD800 + (c >> 10)) + chr(0xDC00 + (c & 0x3FF))


def _from_surrogates(tok: str) -> str:
    tok = _LONE.sub("?", tok)  # Java's UTF-8 writer turns an unpaired surrogate into "?"
    return tok.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


class _Lines:
    """Output lines with pycocoevalcap's post-processing: the line's rstrip, then PUNCTUATIONS
    removed."""

    __slots__ = ("out", "cur", "tail_ws")

    def __init__(self):
        self.out: list[str] = []
        self.cur: list[str] = []
        self.tail_ws = (
            False  # the line's last token ends in whitespace (URL, e-mail): rstrip cuts it
        )

    def end_line(self):
        if self.tail_ws:
            self.cur[-1] = self.cur[-1].rstrip()
        self.out.append(" ".join(self.cur))
        self.cur = []
        self.tail_ws = False

    def add(self, raw: list):
        cur = self.cur
        for tok in raw:
            if tok == "\n":
                self.end_line()
                cur = self.cur
            else:
                if tok not in PUNCTUATIONS:
                    cur.append(tok)
                self.tail_ws = tok[-1].isspace()


def _next_word_key(text: str, start: int, end: int):
    """The key with the next word for the chunk text[start:end], or None where that is not
    enough."""
    m = _NEXT_WORD.match(text, end)
    if m is None or m.end() >= len(text) or not m.group(1) or m.group(1)[0] in ".<":
        return None
    return "\0" + text[start : m.end() + 1]


def _chunk(text: str, start: int, end: int, hit, lines: _Lines, astral: bool) -> int:
    """Add the tokens of the chunk text[start:end] (its cache entry: hit) to lines; return where the
    lexer stopped (after end when a token ran across the separator)."""
    key2 = None
    if hit is not None:
        if hit is _NEXT_WORD_KEY:
            key2 = _next_word_key(text, start, end)
            hit = None if key2 is None else _CACHE.get(key2)
        if hit is not None and (hit.check is None or not hit.check(text, end)):
            lines.cur += hit.toks
            if hit.ws is not None:
                lines.tail_ws = hit.ws
            return end
    raw: list = []
    dot = _DOT_END.search(text, start, end)
    seen: list[int] = []  # where tokens start, wanted only for a chunk with a final period
    pos = _lex_span(text, start, end, raw, seen if dot is not None else None)
    if astral:
        raw = [_lower(_from_surrogates(t)) if _SURR.search(t) else t for t in raw]
    lines.add(raw)
    if (
        pos != end
        or end >= len(text)
        or "\n" in raw
        or text[end - 1] == "\r"
        or text.find("<", start, end) >= 0
    ):
        return pos
    toks = tuple(t for t in raw if t not in PUNCTUATIONS)
    ws = raw[-1][-1].isspace() if raw else None
    key = text[start : end + 1]
    check = None
    if dot is not None:
        dot_end = dot.start() + 1
        if any(_CROSS.fullmatch(text, i, dot_end) for i in seen):
            if key2 is None:
                key2 = _next_word_key(text, start, end)
            if key2 is not None:
                _cache_put(key, _NEXT_WORD_KEY)
                _cache_put(key2, _Entry(toks, ws, None))
            return pos
        if dot_end == end and text[end] == " ":
            if _next_is_dot(text, end):
                return pos
            check = _next_is_dot
    elif text[end] == " " and _DIGIT_END.search(text, start, end) is not None:
        if _next_is_digit(text, end):
            return pos
        check = _next_is_digit
    _cache_put(key, toks if check is None and ws is False else _Entry(toks, ws, check))
    return pos


def _slow(text: str, pos: int, stop: int, lines: _Lines, astral: bool) -> int:
    """Lex text[pos:stop] chunk by chunk; return the position reached (after stop if a token ran
    on)."""
    get = _CACHE.get
    for m in _PIECES.finditer(text, pos, stop):
        start, end = m.span()
        if end <= pos:
            continue  # inside a token that ran across a separator
        if m.lastindex is not None:
            if m.lastindex == 2:
                lines.end_line()
            pos = end
            continue
        if start < pos:
            start = pos
        hit = get(text[start : end + 1])
        if hit.__class__ is tuple:
            lines.cur += hit
            lines.tail_ws = False
            pos = end
        else:
            pos = _chunk(text, start, end, hit, lines, astral)
    return pos if pos > stop else stop


def _coco_lines(text: str) -> list[str]:
    """pycocoevalcap's strings for the lines of text: the Java tokenizer's output lines, stripped,
    split on spaces, without PUNCTUATIONS, joined by spaces."""
    astral = _ASTRAL.search(text) is not None
    if astral:  # the Java lexer reads UTF-16 code units
        text = _ASTRAL.sub(_to_surrogates, text)
    lines = _Lines()
    out = lines.out
    get: Callable[[str], Any] = _CACHE.get  # None or an _Entry: not iterable, see below
    n = len(text)
    pos = 0  # the text before pos has been lexed
    off = 0  # start of the current line of text
    for line in text.split("\n"):
        end = off + len(line)  # where its newline is (n for the last line)
        if pos <= off:  # the line starts afresh: take it chunk by chunk
            parts = _SPLIT.split(line)  # chunk, separator's first character, its rest, chunk, ...
            parts.append("\n" if end < n else "")
            try:  # all chunks in the cache as they are
                toks = [*chain.from_iterable(map(get, map(add, parts[0::3], parts[1::3])))]
            except TypeError:  # some chunk not in the cache (None), or not as it is (not iterable)
                pass
            else:
                out.append(" ".join(toks))
                pos = off = end + 1
                continue
            p = off
            for i in range(0, len(parts) - 1, 3):
                chunk = parts[i]
                q = p + len(chunk)
                if q > p:
                    hit = get(chunk + parts[i + 1])
                    if hit.__class__ is tuple:
                        lines.cur += hit
                        lines.tail_ws = False
                    else:
                        pos = _chunk(text, p, q, hit, lines, astral)
                        if pos != q:  # a token ran on past the chunk: the rest the slow way
                            break
                if i + 2 < len(parts):
                    p = q + 1 + len(parts[i + 2])
            else:
                lines.end_line()
                pos = off = end + 1
                continue
        pos = _slow(text, pos if pos > off else off, end + 1, lines, astral)
        if end == n:
            lines.end_line()
        off = end + 1
    return lines.out


def ptb_lines(text: str) -> list[list[str]]:
    """What the Java tokenizer prints for text (PTBTokenizer -preserveLines -lowerCase): one token
    list per output line, before pycocoevalcap's punctuation removal. The plain path, without the
    cache."""
    astral = _ASTRAL.search(text) is not None
    if astral:
        text = _ASTRAL.sub(_to_surrogates, text)
    raw: list = []
    _lex_span(text, 0, len(text), raw)
    lines: list[list[str]] = [[]]
    for tok in raw:
        if tok == "\n":
            lines.append([])
        else:
            lines[-1].append(_lower(_from_surrogates(tok)) if astral and _SURR.search(tok) else tok)
    return lines


# Past this many texts, tokenize_each() lexes the first half of them in a forked process.
_PARALLEL_MIN_TEXTS = 8000
# What lets a caption's output depend on the captions before it: line breaks that shift the
# output lines, and SGML tags that may run across captions. Texts holding none are lexed in two
# halves, the first with the next caption as lookahead (a caption's last token can depend on the
# next caption's first word, or on being the end of the text).
_CROSS_LINE = re.compile("[\r\x0b\x0c\x85\u2028\u2029<]")
_FORKED: tuple[list[str], list[tuple[int, int | None]]] | None = None


def tokenize(texts: Sequence[str]) -> list[str]:
    """For each text, the tokens pycocoevalcap's PTBTokenizer.tokenize gives it, joined by spaces,
    when the texts are tokenised in one call, in this order (see the module docstring on line
    breaks)."""
    return tokenize_each([texts])[0]


def tokenize_each(calls: Sequence[Sequence[str]]) -> list[list[str]]:
    """``[tokenize(texts) for texts in calls]``, with the first half of all their texts lexed in
    a forked process when there are enough (pycocoevalcap tokenises references and candidates in
    two calls: together they split evenly)."""
    joined = ["\n".join(t.replace("\n", " ") for t in texts) for texts in calls]
    sizes = [len(texts) for texts in calls]
    parallel = sum(sizes) >= _PARALLEL_MIN_TEXTS and usable_cpus() > 1 and can_fork()
    if parallel and not any(_CROSS_LINE.search(text) for text in joined):
        lines = _coco_lines_in_halves(joined, calls)
    else:
        lines = [_coco_lines(text) for text in joined]
    return [
        got + [""] * (n - len(got)) if len(got) < n else got[:n] for got, n in zip(lines, sizes)
    ]


def _first_part() -> list[list[str]]:
    assert _FORKED is not None, "set by _coco_lines_in_halves before it forks"
    texts, plan = _FORKED
    return [_coco_lines(texts[i] if end is None else texts[i][:end]) for i, end in plan]


def _coco_lines_in_halves(joined: list[str], calls: Sequence[Sequence[str]]) -> list[list[str]]:
    """``[_coco_lines(text) for text in joined]`` for texts of lines without cross-line effects:
    the first half of all the lines (and the next line as lookahead) in a forked process."""
    global _FORKED
    half = sum(len(texts) for texts in calls) // 2
    plan: list[tuple[int, int | None]] = []  # the forked part: (call, end of its text or None)
    for split, texts in enumerate(calls):
        if half >= len(texts):  # a call wholly in the forked half
            plan.append((split, None))
            half -= len(texts)
            continue
        starts = sum(len(t) for t in texts[:half]) + half  # where line `half` starts
        if half:
            plan.append((split, starts + len(texts[half])))  # line `half` as lookahead
        break
    _FORKED = (joined, plan)
    try:
        with forking():
            pool = multiprocessing.get_context("fork").Pool(1)
        with pool:
            forked = pool.apply_async(_first_part)
            mine = [_coco_lines(joined[split][starts:])]
            mine += [_coco_lines(text) for text in joined[split + 1 :]]
            first = forked.get()
    finally:
        _FORKED = None
    return first[:split] + [(first[split][:half] if half else []) + mine[0]] + mine[1:]


def tokenize_one(text: str) -> str:
    """tokenize([text])[0]."""
    return tokenize([text])[0]
