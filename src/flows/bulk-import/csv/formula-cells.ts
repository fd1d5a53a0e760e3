/**
 * CSV/formula injection (OWASP "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection):
 * a cell starting with = + - @ (or tab / CR) is run as a formula when a report is opened in a
 * spreadsheet. The import keeps the value as data (it is just text to OnCall) but flags it, and
 * every CSV report the project writes passes cells through `neutraliseCsvCell`. Isomorphic.
 */

const TRIGGERS = new Set([61 /* = */, 43 /* + */, 45 /* - */, 64 /* @ */, 9 /* tab */, 13 /* CR */]);

/** Plain numbers and phone numbers start with + or - legitimately: not flagged on import. */
const RE_NUMBER_OR_PHONE = /^[+-]?(?:\d[\d\s().-]*)?\d(?:[.,]\d+)?$/;

/**
 * True when a spreadsheet would evaluate the cell. "+44 7700 900123" and "-12.5" are data;
 * "=HYPERLINK(...)", "@SUM(...)", "-2+3", "+cmd|..." are flagged.
 */
export function looksLikeFormula(value: string): boolean {
  if (value.length === 0 || !TRIGGERS.has(value.charCodeAt(0))) return false;
  const c = value.charCodeAt(0);
  if ((c === 43 || c === 45) && RE_NUMBER_OR_PHONE.test(value)) return false;
  return true;
}

/**
 * Makes a value safe for a CSV report opened in Excel/LibreOffice/Sheets: any cell starting
 * with = + - @ tab or CR gets a leading apostrophe, which spreadsheets show as text.
 * (Deliberately stricter than looksLikeFormula: a report has no reason to keep "+44..." live.)
 */
export function neutraliseCsvCell(value: string): string {
  return value.length > 0 && TRIGGERS.has(value.charCodeAt(0)) ? `'${value}` : value;
}
