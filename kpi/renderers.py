"""CSV and XLSX renderings of a report table (the API's ?format=csv / ?format=xlsx)."""

import csv
import io

from openpyxl import Workbook
from rest_framework.renderers import BaseRenderer


def _table(data) -> tuple[list[str], list[list]]:
    columns = data.get("columns", []) if isinstance(data, dict) else []
    rows = data.get("rows", []) if isinstance(data, dict) else []
    return columns, [[row.get(c) for c in columns] for row in rows]


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        columns, rows = _table(data)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
        return out.getvalue().encode()


class XlsxRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        columns, rows = _table(data)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("report")
        sheet.append(columns)
        for row in rows:
            sheet.append([str(v) if hasattr(v, "isoformat") else v for v in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
