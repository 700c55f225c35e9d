// Reading CSV text in the page: enough to preview an upload's first rows and to count the
// result_status column of the geocoded file. The server does the real parsing; this only has to
// agree with it on ordinary files (quoted fields, doubled quotes, CRLF, ; , tab or | delimiters).
"use strict";

window.AdresseCsv = (function () {
  /** The delimiter among , ; tab | that splits the first line into the most fields. */
  function detectDelimiter(text) {
    const firstLine = text.split(/\r?\n/, 1)[0] || "";
    let best = ",";
    let bestCount = 0;
    for (const d of [",", ";", "\t", "|"]) {
      const n = parse(firstLine, d, 1)[0]?.length || 0;
      if (n > bestCount) {
        best = d;
        bestCount = n;
      }
    }
    return best;
  }

  /** Records of `text` (at most `maxRows`), each an array of fields. */
  function parse(text, delimiter, maxRows = Infinity) {
    const rows = [];
    let row = [];
    let field = "";
    let quoted = false;
    let i = 0;
    if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
    for (; i < text.length && rows.length < maxRows; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else {
            quoted = false;
          }
        } else {
          field += c;
        }
      } else if (c === '"' && field === "") {
        quoted = true;
      } else if (c === delimiter) {
        row.push(field);
        field = "";
      } else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(field);
        rows.push(row);
        row = [];
        field = "";
      } else {
        field += c;
      }
    }
    if ((field !== "" || row.length > 0) && rows.length < maxRows) {
      row.push(field);
      rows.push(row);
    }
    return rows;
  }

  /** Counts of the result_status column: ok, not-found, and errors (any "error: …"). */
  function summarise(text) {
    const rows = parse(text, detectDelimiter(text));
    const header = rows.shift() || [];
    const col = header.indexOf("result_status");
    const counts = { rows: rows.length, ok: 0, notFound: 0, errors: 0 };
    if (col < 0) return counts;
    for (const r of rows) {
      const status = r[col] || "";
      if (status === "ok") counts.ok++;
      else if (status === "not-found") counts.notFound++;
      else counts.errors++;
    }
    return counts;
  }

  return { detectDelimiter, parse, summarise };
})();
