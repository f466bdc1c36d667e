"""Excel workbooks (.xlsx), streamed both ways with the standard library (zipfile + regular expressions).

Why not openpyxl's read-only / write-only modes: measured (benchmarks/excel.py, 10,000 leads of 17 text columns,
same machine, same run) openpyxl read 2,695 rows/s and wrote 4,986 rows/s; this module reads 20,818 and writes
23,505. At openpyxl's speed reading alone would hold a 1M-row import to about 0.2x the CSV import's rows/s, where the
target is 0.5x. openpyxl stays the tests' independent reader of what is written here.

Writing: cells are typed: numbers and money are numbers (money with the number format ``#,##0.00``), dates and
datetimes are date cells, text is an inline string. Text that a spreadsheet would take for a formula (``=`` ``+``
``-`` ``@``) is stored as text, never as a formula, with the "quote prefix" style so that editing the cell keeps
it text. Memory holds one row; the sheet goes into the zip as it is written.

Reading: the first visible sheet (or the one named); shared strings kept compactly (UTF-8 bytes and offsets, not a
Python string each); cells by their references (gaps are empty cells); numbers as their text (``13800138000``,
``1999.9``), date-formatted numbers as ISO dates (1900 and 1904 date systems), booleans as ``true``/``false``;
merged ranges give every cell of the range the top-left value, and a merged title row above the header is
skipped; empty rows (anywhere, trailing ones included) are skipped. A cell holding an error (``#N/A``) or a formula
without a saved value is refused at its cell: ``FILE:SHEET!ROW: column: message``.

Fast path: a sheet row written in the usual form (attributes ``r``, ``s``, ``t`` in that order, plain ``<v>`` or
``<is><t>``, as Excel, WPS, LibreOffice and openpyxl write) is read with one regular-expression scan; any other row
(rich text, namespace prefixes, other attribute orders) with a general one. Both give the same values.
"""

from __future__ import annotations

import re
import zipfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as _xml_escape

from salescli.errors import InputError
from salescli.i18n import _

MAX_ROWS = 1_048_576  # the most rows a sheet holds (Excel, LibreOffice and WPS)
MAX_COLUMNS = 16_384
MAX_TEXT = 32_767  # the most characters a cell holds
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_FORMULA_START = ("=", "+", "-", "@")
_CHUNK = 1 << 20


# -- cell references ----------------------------------------------------------------------------------------

def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_COLUMN_INDEX: dict[str, int] = {}


def _prime() -> None:
    for i in range(702):  # A .. ZZ
        _COLUMN_INDEX[column_letters(i)] = i


def column_index(letters: str) -> int:
    """A → 0, AA → 26 (memoized: a sheet has few distinct columns)."""
    found = _COLUMN_INDEX.get(letters)
    if found is None:
        found = 0
        for char in letters.upper():
            found = found * 26 + ord(char) - 64
        found -= 1
        if len(_COLUMN_INDEX) < 20_000:
            _COLUMN_INDEX[letters] = found
    return found


_prime()


def sheet_ref(sheet: str) -> str:
    """How a sheet is named in a reference: ``Sheet1``, or quoted when it holds spaces or punctuation."""
    if re.fullmatch(r"[\w.]+", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


class SheetRow(int):
    """A row number that prints as ``SHEET!ROW``, so ``FILE:{line}:`` messages read ``FILE:SHEET!ROW:``."""

    sheet: str

    def __new__(cls, row: int, sheet: str) -> SheetRow:
        obj = int.__new__(cls, row)
        obj.sheet = sheet
        return obj

    def __getnewargs__(self) -> tuple[int, str]:  # type: ignore[override]
        return int(self), self.sheet

    def __str__(self) -> str:
        return f"{sheet_ref(self.sheet)}!{int(self)}"

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# -- dates ----------------------------------------------------------------------------------------------------

_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)


def to_serial(value: date | datetime) -> float:
    """A date or datetime as the 1900-system serial number Excel stores (no time zone: local wall time)."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None, microsecond=0) - _EPOCH_1900
        return delta.days + delta.seconds / 86400
    return float((value - _EPOCH_1900.date()).days)


def from_serial(serial: float, *, date1904: bool = False) -> date | datetime:
    """The date (a whole serial) or datetime (to the second) a serial number stands for."""
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    if not date1904 and serial < 60:
        epoch = datetime(1899, 12, 31)  # before Excel's phantom 1900-02-29
    seconds = round(serial * 86400)
    moment = epoch + timedelta(seconds=seconds)
    if seconds % 86400 == 0:
        return moment.date()
    return moment


# Built-in number formats that are dates or times: 14-22 and 45-47 everywhere; 27-36 and 50-58 in Chinese,
# Japanese and Korean Excel (yyyy"年"m"月"d"日" and the like).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time (d, m, y, h or s outside quotes and brackets)."""
    text = _NOT_DATE_PARTS.sub("", code.split(";")[0]).lower()
    return bool(re.search(r"[dmyhs]", text)) and "general" not in text


# -- writing --------------------------------------------------------------------------------------------------

# cellXfs of every workbook written here, by name → index
STYLES = ("default", "money", "date", "datetime", "header", "text", "percent", "one_place", "integer")
_STYLE = {name: i for i, name in enumerate(STYLES)}
_STYLES_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN_NS}">
<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/><numFmt numFmtId="166" formatCode="0.0%"/>\
<numFmt numFmtId="167" formatCode="0.0"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="{len(STYLES)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>
"""
# Characters XML 1.0 cannot hold, and text that looks like the escape Excel writes them as (_x0007_)
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def _ooxml_escape(match: re.Match[str]) -> str:
    char = match.group()
    return f"_x{ord(char):04X}_"


def xml_text(text: str) -> str:
    """Text as the content of a ``<t>`` element."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return _xml_escape(_UNWRITABLE.sub(_ooxml_escape, text))


def _space(text: str) -> str:
    return ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() or "\n" in text else ""


@dataclass
class Sheet:
    """One sheet to write: its name, header, rows of values, and optionally a style per column (a name of
    STYLES: e.g. "percent" for a 0..1 rate) and column widths in characters."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    styles: Sequence[str | None] | None = None
    widths: Sequence[float] | None = None
    freeze_header: bool = True
    written: int = field(default=0, init=False)


def _style_attr(style: str | None) -> str:
    return f' s="{_STYLE[style]}"' if style and style != "default" else ""


def _cell(ref: str, value: Any, style: str | None) -> str:
    """One ``<c>`` element, or "" for an empty cell."""
    if value is None or value == "":
        return ""
    kind = type(value)
    if kind is str:
        text = value
        if len(text) > MAX_TEXT:
            raise InputError(_("cell {ref}: {length:,} characters; a spreadsheet cell holds at most {most:,} "
                               "(export as csv or json)").format(ref=ref, length=len(text), most=MAX_TEXT))
        prefix = ' s="5"' if text.startswith(_FORMULA_START) else ""
        return f'<c r="{ref}"{prefix} t="inlineStr"><is><t{_space(text)}>{xml_text(text)}</t></is></c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int:
        return f'<c r="{ref}"{_style_attr(style)}><v>{value}</v></c>'
    if kind is Decimal:
        if not value.is_finite():
            return ""
        return f'<c r="{ref}" s="{_STYLE[style or "money"]}"><v>{value}</v></c>'
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return f'<c r="{ref}"{_style_attr(style)}><v>{value!r}</v></c>'
    if kind is datetime:
        serial = to_serial(value)
        return f'<c r="{ref}" s="{_STYLE["datetime"]}"><v>{serial!r}</v></c>'
    if kind is date:
        return f'<c r="{ref}" s="{_STYLE["date"]}"><v>{int(to_serial(value))}</v></c>'
    if isinstance(value, (list, tuple, dict)):
        import json

        from salescli.output import json_value

        return _cell(ref, json.dumps(json_value(value), ensure_ascii=False), style)
    return _cell(ref, str(value), style)


def _sheet_xml_rows(sheet: Sheet, letters: list[str]) -> Iterator[str]:
    styles = list(sheet.styles or [None] * len(letters))
    head = "".join(f'<c r="{letters[i]}1" s="{_STYLE["header"]}" t="inlineStr"><is><t{_space(str(h))}>'
                   f"{xml_text(str(h))}</t></is></c>" for i, h in enumerate(sheet.header))
    yield f'<row r="1">{head}</row>'
    number = 1
    width = len(letters)
    for values in sheet.rows:
        number += 1
        if number > MAX_ROWS:
            raise InputError(_("more than {rows:,} rows: a spreadsheet sheet holds at most {most:,} (export as csv "
                               "or json)").format(rows=MAX_ROWS - 1, most=MAX_ROWS))
        if len(values) > width:
            raise ValueError("a row is wider than the header")
        cells = "".join([_cell(f"{letters[i]}{number}", v, styles[i]) for i, v in enumerate(values)])
        yield f'<row r="{number}">{cells}</row>'
        sheet.written += 1


def _sheet_begin(sheet: Sheet, width: int) -> str:
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN_NS}" '
             f'xmlns:r="{_REL_NS}">']
    if sheet.freeze_header:
        parts.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                     'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        parts.append("<cols>" + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:.1f}" customWidth="1"/>'
                                        for i, w in enumerate(sheet.widths[:width])) + "</cols>")
    parts.append("<sheetData>")
    return "".join(parts)


def write_workbook(out: IO[bytes], sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` as one .xlsx to the binary file ``out`` (seekable), streaming each sheet's rows."""
    names: list[str] = []
    for sheet in sheets:
        name = re.sub(r"[\[\]:*?/\\]", "_", sheet.name).strip("'")[:31] or "Sheet"
        while name.lower() in (n.lower() for n in names):
            name = name[:28] + f"_{len(names) + 1}"
        names.append(name)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for number, sheet in enumerate(sheets, 1):
            width = max(len(sheet.header), 1)
            if width > MAX_COLUMNS:
                raise InputError(_("{width} columns: a sheet holds at most {most}").format(width=width,
                                                                                         most=MAX_COLUMNS))
            letters = [column_letters(i) for i in range(width)]
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as member:
                member.write(_sheet_begin(sheet, width).encode())
                buffer: list[str] = []
                size = 0
                for row in _sheet_xml_rows(sheet, letters):
                    buffer.append(row)
                    size += len(row)
                    if size > _CHUNK:
                        member.write("".join(buffer).encode("utf-8", "surrogatepass"))
                        buffer, size = [], 0
                member.write("".join(buffer).encode("utf-8", "surrogatepass"))
                member.write(b"</sheetData></worksheet>")
        archive.writestr("xl/styles.xml", _STYLES_XML)
        sheet_list = "".join(f'<sheet name="{_xml_escape(n, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, n in enumerate(names, 1))
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><workbookPr/>'
                         f"<bookViews><workbookView/></bookViews><sheets>{sheet_list}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(names) + 1))
        rels += (f'<Relationship Id="rId{len(names) + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         f'<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>')
        archive.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
                         f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for i in range(1, len(names) + 1))
        archive.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                         f"{overrides}</Types>")


def write_records(out: IO[bytes], name: str, rows: Iterable[dict[str, Any]],
                  columns: Sequence[str] | None = None) -> int:
    """Records (dicts, header from the first one's keys, or ``columns`` when there are none) as a one-sheet
    workbook; returns the number written."""
    iterator = iter(rows)
    first = next(iterator, None)
    header = list(first) if first is not None else list(columns or [])

    def values() -> Iterator[list[Any]]:
        if first is None:
            return
        yield list(first.values())
        for row in iterator:
            yield list(row.values())

    sheet = Sheet(name, header, values(), widths=[max(10.0, min(40.0, len(h) + 4.0)) for h in header])
    write_workbook(out, [sheet])
    return sheet.written


# -- reading --------------------------------------------------------------------------------------------------

_ATTR = re.compile(r'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attrs(text: str) -> dict[str, str]:
    """Attributes by local name (a ``x:`` or ``r:`` prefix dropped, except r:id kept as ``r:id``)."""
    out = {}
    for name, double, single in _ATTR.findall(text):
        local = name if name.endswith(":id") else name.rpartition(":")[2]
        out[local] = unescape(double or single)
    return out


def _text(raw: str) -> str:
    """XML character data as text: entities, then Excel's _xHHHH_ escapes."""
    if "&" in raw:
        raw = unescape(raw)
    if "_x" in raw:
        raw = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), raw)
    return raw


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: str  # visible, hidden, veryHidden
    part: str  # the zip member


class SharedStrings:
    """The workbook's shared strings, compactly: one UTF-8 byte string and the offsets into it."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.ends = array("Q")
        self._frozen = b""

    def add(self, text: str) -> None:
        self.data += text.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.data))

    def freeze(self) -> None:
        self._frozen = bytes(self.data)
        self.data = bytearray()

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        start = self.ends[index - 1] if index > 0 else 0
        return self._frozen[start:self.ends[index]].decode("utf-8", "surrogatepass")


class Workbook:
    """An .xlsx opened for reading (the zip stays open until ``close``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            if isinstance(error, zipfile.BadZipFile):
                raise InputError(_("{path}: not an .xlsx workbook (an old .xls or an encrypted workbook? save it as "
                                   ".xlsx)").format(path=path)) from None
            raise InputError(_("{path}: not an .xlsx workbook ({error})").format(path=path, error=error)) from None
        try:
            self.sheets, self.date1904 = self._workbook()
            self.date_styles = self._date_styles()
        except KeyError as error:
            self.zip.close()
            raise InputError(_("{path}: not an .xlsx workbook (no {part})").format(path=path,
                                                                                  part=error.args[0])) from None
        except (UnicodeDecodeError, ValueError, zipfile.BadZipFile) as error:
            self.zip.close()
            raise InputError(_("{path}: a damaged workbook ({error}); save it again as .xlsx").format(
                path=path, error=error)) from None
        self._strings: SharedStrings | None = None

    def close(self) -> None:
        self.zip.close()

    def _read(self, name: str) -> str:
        return self.zip.read(name).decode("utf-8")

    def _part(self, name: str) -> str | None:
        """A zip member by name, case-insensitively (some writers differ in case)."""
        names = {n.lower(): n for n in self.zip.namelist()}
        return names.get(name.lstrip("/").lower())

    def _workbook(self) -> tuple[list[SheetInfo], bool]:
        book = self._part("xl/workbook.xml")
        if book is None:
            rels = self._read("_rels/.rels")
            target = next((a.get("Target", "") for a in map(_attrs, re.findall(r"<(?:\w+:)?Relationship\b([^>]*)>",
                                                                               rels))
                           if a.get("Type", "").endswith("/officeDocument")), "")
            book = self._part(target)
            if book is None:
                raise KeyError("xl/workbook.xml")
        folder = book.rpartition("/")[0]
        text = self._read(book)
        rels_part = self._part(f"{folder}/_rels/{book.rpartition('/')[2]}.rels")
        targets: dict[str, str] = {}
        if rels_part is not None:
            for found in re.findall(r"<(?:\w+:)?Relationship\b([^>]*)>", self._read(rels_part)):
                attrs = _attrs(found)
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
                targets[attrs.get("Id", "")] = target
        sheets = []
        for found in re.findall(r"<(?:\w+:)?sheet\b([^>]*)>", text):
            attrs = _attrs(found)
            part = self._part(targets.get(attrs.get("r:id", ""), ""))
            if part is not None:
                sheets.append(SheetInfo(attrs.get("name", ""), attrs.get("state", "visible"), part))
        props = re.search(r"<(?:\w+:)?workbookPr\b([^>]*)>", text)
        date1904 = bool(props) and _attrs(props.group(1)).get("date1904", "") in ("1", "true")  # type: ignore[union-attr]
        self._strings_part = targets.get(next((i for i, t in targets.items() if t.endswith("sharedStrings.xml")), ""))
        self._styles_part = next((t for t in targets.values() if t.endswith("styles.xml")), None)
        return sheets, date1904

    def _date_styles(self) -> frozenset[int]:
        """The cell styles (cellXfs indexes) whose number format is a date or time."""
        part = self._part(self._styles_part or "xl/styles.xml")
        if part is None:
            return frozenset()
        text = self._read(part)
        custom = {int(a.get("numFmtId", "-1")): a.get("formatCode", "")
                  for a in map(_attrs, re.findall(r"<(?:\w+:)?numFmt\b([^>]*)>", text))}
        xfs = re.search(r"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", text, re.S)
        found = set()
        for index, xf in enumerate(re.findall(r"<(?:\w+:)?xf\b([^>]*)>", xfs.group(1) if xfs else "")):
            fmt = int(_attrs(xf).get("numFmtId", "0") or 0)
            if fmt in _DATE_FORMAT_IDS or (fmt in custom and is_date_format(custom[fmt])):
                found.add(index)
        return frozenset(found)

    @property
    def strings(self) -> SharedStrings:
        if self._strings is None:
            self._strings = SharedStrings()
            part = self._part(self._strings_part) if self._strings_part else self._part("xl/sharedStrings.xml")
            if part is not None:
                for chunk in _chunks(self.zip, part, "si"):
                    for body in _SI.findall(chunk):
                        self._strings.add(_rich_text(body))
            self._strings.freeze()
        return self._strings

    def sheet(self, name: str | None) -> SheetInfo:
        """The named sheet, or the first visible one."""
        if name is None:
            visible = [s for s in self.sheets if s.state == "visible"]
            if not visible:
                raise InputError(_("{path}: the workbook has no visible sheet; name one with --sheet").format(
                    path=self.path))
            return visible[0]
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        for sheet in self.sheets:
            if sheet.name.strip().lower() == name.strip().lower():
                return sheet
        names = ", ".join(_("{name} (hidden)").format(name=repr(s.name)) if s.state != "visible" else repr(s.name)
                          for s in self.sheets)
        raise InputError(_("--sheet: {path} has no sheet {name!r} (sheets: {names})").format(path=self.path, name=name,
                                                                                             names=names))


_SI = re.compile(r"<(?:\w+:)?si\b[^>]*>(.*?)</(?:\w+:)?si>|<(?:\w+:)?si\s*/>", re.S)
_PHONETIC = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>|<(?:\w+:)?phoneticPr\b[^>]*>", re.S)
_T = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>|<(?:\w+:)?t\s*/>", re.S)


def _rich_text(body: str) -> str:
    """The text of a string item (``<t>`` alone, or rich text runs), without phonetic guides (``<rPh>``)."""
    if body.startswith(("<t>", '<t xml:space="preserve">')) and body.count("<") == 2:
        return _text(body[body.index(">") + 1:body.rindex("<")])
    if "rPh" in body or "phoneticPr" in body:
        body = _PHONETIC.sub("", body)
    return _text("".join(_T.findall(body)))


def _chunks(archive: zipfile.ZipFile, part: str, element: str) -> Iterator[str]:
    """A zip member's text in pieces that end after a complete ``</element>`` (UTF-8 decoded incrementally)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    closing = re.compile(rf"</(?:\w+:)?{element}>")
    rest = ""
    with archive.open(part) as fh:
        while True:
            data = fh.read(_CHUNK)
            text = rest + decoder.decode(data, final=not data)
            if not data:
                if text:
                    yield text
                return
            cut = _last_end(closing, text)
            if cut < 0:
                rest = text
                continue
            yield text[:cut]
            rest = text[cut:]


def _last_end(pattern: re.Pattern[str], text: str) -> int:
    """Where the last match of ``pattern`` in ``text`` ends (-1 if none), searching back from the end."""
    start = len(text)
    while start > 0:
        start = max(0, start - 65536)
        ends = [m.end() for m in pattern.finditer(text, start)]
        if ends:
            return ends[-1]
    return -1


# The usual form of a cell (see the module's docstring), and of the row around it
_FAST_CELL = re.compile(r'<c r="([A-Z]{1,3})\d++"(?: s="(\d++)")?(?: t="(\w++)")?(?:/>|>(<f>[^<]*+</f>|<f/>)?'
                        r'(?:<v>([^<]*+)</v>|<is><t(?: xml:space="preserve")?>([^<]*+)</t></is>)?</c>)')
_ROW = re.compile(r"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_ROW_NUMBER = re.compile(r'\br="(\d+)"')
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_V = re.compile(r"<(?:\w+:)?v(?:\s[^>]*)?>(.*?)</(?:\w+:)?v>", re.S)
_IS = re.compile(r"<(?:\w+:)?is\b[^>]*>(.*?)</(?:\w+:)?is>", re.S)
_F = re.compile(r"<(?:\w+:)?f\b")
_MERGE = re.compile(r'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


class CellError(InputError):
    """A cell the reader refuses; ``row``/``column`` locate it (the caller names the header)."""

    def __init__(self, row: int, column: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


class SheetReader:
    """The rows of one sheet as lists of cell texts, with their row numbers."""

    def __init__(self, book: Workbook, info: SheetInfo) -> None:
        self.book = book
        self.info = info
        self.merges = self._merges()
        self.date_styles = frozenset(str(i) for i in book.date_styles)
        self.memo: dict[str, str] = {}  # date cells repeat (a day, an import's moment): their texts

    def _merges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges (first row, last row, first column, last column), 1-based rows, 0-based columns: one
        pass over the sheet (they are written after its rows) that only decompresses and searches."""
        found = []
        tail = b""
        with self.book.zip.open(self.info.part) as fh:
            while data := fh.read(_CHUNK):
                data = tail + data
                if b"mergeCell " in data:
                    for c1, r1, c2, r2 in _MERGE.findall(data.decode("utf-8", "replace")):
                        found.append((int(r1), int(r2), column_index(c1), column_index(c2)))
                tail = data[-200:]
        return sorted(set(found))

    def _value(self, row: int, col: int, style: str, kind: str, raw: str | None, inline: str | None,
               formula: bool) -> str:
        if kind == "inlineStr":
            return _text(inline or "")
        if raw is None:
            if formula:
                raise CellError(row, col, _("a formula without a saved value (open and save the file in Excel, WPS "
                                            "or LibreOffice, or paste values)"))
            return ""
        if kind == "s":
            try:
                return self.book.strings[int(raw)]
            except (ValueError, IndexError):
                raise CellError(row, col, _("refers to shared string {raw!r}, which the workbook does not have")
                                .format(raw=raw)) from None
        if kind in ("", "n"):
            if style in self.date_styles:
                try:
                    moment = from_serial(float(raw), date1904=self.book.date1904)
                except (ValueError, OverflowError):
                    raise CellError(row, col, _("{raw!r} is not a date").format(raw=raw)) from None
                return moment.isoformat()
            return number_text(raw)
        if kind in ("str", "d"):
            return _text(raw)
        if kind == "b":
            return "true" if raw.strip() in ("1", "true") else "false"
        if kind == "e":
            raise CellError(row, col, _("the cell holds the error {error} (fix the formula or paste values)").format(
                error=_text(raw)))
        return _text(raw)

    def _general(self, number: int, body: str) -> list[str]:
        values: list[str] = []
        for attrs_text, inner in _CELL.findall(body):
            attrs = _attrs(attrs_text)
            ref = attrs.get("r")
            col = column_index(re.match(r"[A-Za-z]*", ref).group()) if ref else len(values)  # type: ignore[union-attr]
            if col >= MAX_COLUMNS:
                raise CellError(number, col, _("beyond the last column a sheet has"))
            inline = None
            raw = None
            if inner:
                found = _V.search(inner)
                raw = found.group(1) if found else None
                rich = _IS.search(inner)
                inline = _rich_text(rich.group(1)) if rich else None
            kind = attrs.get("t", "")
            value = inline if kind == "inlineStr" and inline is not None else self._value(
                number, col, attrs.get("s", ""), kind, raw, None, bool(inner and _F.search(inner)))
            if col > len(values):
                values.extend([""] * (col - len(values)))
            if col == len(values):
                values.append(value)
            else:
                values[col] = value
        return values

    def _fast(self, number: int, body: str) -> list[str] | None:
        """The row's values by the usual form, or None when any cell is written otherwise."""
        cells = _FAST_CELL.findall(body)
        if len(cells) != body.count("<c "):
            return None
        values: list[str] = []
        dates = self.date_styles
        columns = _COLUMN_INDEX
        memo = self.memo
        for letters, style, kind, formula, raw, inline in cells:
            col = columns.get(letters)
            if col is None:
                col = column_index(letters)
            if kind == "inlineStr":
                value = _text(inline) if "&" in inline or "_x" in inline else inline
            elif not kind and raw and style not in dates and len(raw) < 16 and "E" not in raw and "e" not in raw:
                value = raw  # a number as written, short and plain: its text (as number_text gives it)
            elif raw and style in dates and raw in memo:
                value = memo[raw]
            elif kind == "s":
                try:
                    value = self.book.strings[int(raw)]
                except (ValueError, IndexError):
                    return None
            elif not raw:
                value = self._value(number, col, style, kind, None, None, True) if formula else ""
            else:
                value = self._value(number, col, style, kind, raw, None, False)
                if style in dates and len(memo) < 100_000:
                    memo[raw] = value
            if col != len(values):
                if col < len(values):
                    return None
                values.extend([""] * (col - len(values)))
            values.append(value)
        return values

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cell texts) of every row that holds anything, merged ranges filled in."""
        previous = 0
        pending = sorted(self.merges)
        active: list[tuple[int, int, int, int, str]] = []  # merges reached: rows, columns, value
        for chunk in _chunks(self.book.zip, self.info.part, "row"):
            for attrs_text, body in _ROW.findall(chunk):
                found = _ROW_NUMBER.search(attrs_text)
                number = int(found.group(1)) if found else previous + 1
                previous = number
                if not body:
                    if not pending and not active:
                        continue
                    values: list[str] = []
                else:
                    fast = self._fast(number, body) if "<c " in body else None
                    values = fast if fast is not None else self._general(number, body)
                if pending or active:
                    values = self._fill(number, values, pending, active)
                if any(values):
                    yield number, values

    @staticmethod
    def _fill(number: int, values: list[str], pending: list[tuple[int, int, int, int]],
              active: list[tuple[int, int, int, int, str]]) -> list[str]:
        while pending and pending[0][0] <= number:
            r1, r2, c1, c2 = pending.pop(0)
            if r1 == number:
                active.append((r1, r2, c1, c2, values[c1] if c1 < len(values) else ""))
        active[:] = [m for m in active if m[1] >= number]
        for _first, _last, c1, c2, value in active:
            if len(values) <= c2:
                values = values + [""] * (c2 + 1 - len(values))
            for col in range(c1, c2 + 1):
                if not values[col]:
                    values[col] = value
        return values

    def is_title(self, number: int, values: list[str]) -> bool:
        """A row above the header that is one merged cell across columns (a sheet's title)."""
        filled = [i for i, v in enumerate(values) if v]
        return any(r1 <= number <= r2 and c2 > c1 and all(c1 <= i <= c2 for i in filled) and
                   len({values[i] for i in filled}) == 1 for r1, r2, c1, c2 in self.merges)


def number_text(raw: str) -> str:
    """A number cell as text: as written when short and plain (13800138000, 1999.90), else the shortest decimal that
    reads back the same to 15 significant digits, as a spreadsheet shows it (1999.9, not 1999.8999999999999), never
    with an exponent."""
    raw = raw.strip()
    if len(raw) < 16 and "E" not in raw and "e" not in raw:
        return raw  # integers, and decimals as written (1999.90): exact
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value != value or value in (float("inf"), float("-inf")):
        return raw
    text = f"{value:.15g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


@dataclass
class XlsxTable:
    """A sheet as a header and rows of text, for the importers (see importers/reader.py)."""

    path: Path
    sheet: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    close: Any


def open_table(path: Path, sheet: str | None = None) -> XlsxTable:
    """The sheet's header (the first row that is not a merged title; trailing empty header cells dropped) and its
    rows as texts padded to the header's width. A row with a value past the header is refused."""
    book = Workbook(path)
    try:
        info = book.sheet(sheet)
        reader = SheetReader(book, info)
        header: list[str] = []
        rows = _located(path, info.name, reader.rows(), header)
        for number, values in rows:
            if reader.is_title(number, values):
                continue
            while values and not values[-1].strip():
                values.pop()
            header[:] = [v.strip() for v in values]
            header_row = number
            break
        else:
            book.close()
            return XlsxTable(path, info.name, [], iter(()), lambda: None)
    except BaseException:
        book.close()
        raise
    where = f"{path}:{sheet_ref(info.name)}!{header_row}"
    dup = sorted({n for n in header if header.count(n) > 1})
    if dup or any(not n for n in header):
        book.close()
        if dup:
            raise InputError(_("{where}: header has duplicate column(s) {columns}").format(where=where,
                                                                                          columns=", ".join(dup)))
        raise InputError(_("{where}: header has an empty column name (column {column})").format(
            where=where, column=column_letters(header.index(""))))
    width = len(header)

    def body() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in rows:
                if len(values) > width:
                    extra = next((i for i in range(width, len(values)) if values[i].strip()), None)
                    if extra is not None:
                        raise InputError(_("{where}: column {column}: a value in a column with no header; nothing "
                                           "imported").format(where=f"{path}:{sheet_ref(info.name)}!{number}",
                                                              column=column_letters(extra)))
                    values = values[:width]
                elif len(values) < width:
                    values = values + [""] * (width - len(values))
                yield number, values
        finally:
            book.close()

    return XlsxTable(path, info.name, header, body(), book.close)


def _located(path: Path, sheet: str, rows: Iterator[tuple[int, list[str]]],
             header: list[str]) -> Iterator[tuple[int, list[str]]]:
    """The rows, with a refused cell reported as ``FILE:SHEET!ROW: column: message`` (the column by its header,
    else its letter)."""
    try:
        yield from rows
    except CellError as error:
        column = header[error.column] if error.column < len(header) else column_letters(error.column)
        raise InputError(f"{path}:{sheet_ref(sheet)}!{error.row}: {column}: {error.message}") from None
    except zipfile.BadZipFile as error:
        raise InputError(_("{path}: a damaged workbook ({error})").format(path=path, error=error)) from None
    except UnicodeDecodeError:
        raise InputError(_("{where}: not UTF-8 XML; save the workbook again as .xlsx").format(
            where=f"{path}:{sheet_ref(sheet)}")) from None
