/**
 * The course's expected-results CSV: a header row with the columns `Image` and `Results`
 * (any order, case-insensitive, other columns ignored), then one row per image.
 * The Image cell may be a stem (`test_00`) or an image file name (`test_00.jpg`); either way the key is the stem.
 * Tolerates a UTF-8 BOM, CRLF/CR/LF line ends, quoted cells (RFC 4180, "" escapes) and blank lines.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InvalidInputError } from '../domain/errors.js';

/** Extensions of the images the load generator sends (lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

const IMAGE_COLUMN = 'image';
const RESULTS_COLUMN = 'results';

/** File name without directory and (last) extension: `/a/test_00.jpg` -> `test_00`. */
export function fileStem(path: string): string {
  const name = basename(path);
  const extension = extname(name);
  return extension.length > 0 ? name.slice(0, -extension.length) : name;
}

/** An Image cell without a trailing image extension: `test_00.JPG` -> `test_00`, `a.b` stays `a.b`. */
function imageCellStem(cell: string): string {
  const extension = extname(cell);
  return IMAGE_EXTENSIONS.includes(extension.toLowerCase()) ? cell.slice(0, -extension.length) : cell;
}

interface CsvRow {
  readonly line: number;
  readonly cells: string[];
}

/** Splits CSV text into rows of cells; blank lines are dropped. */
export function parseCsvRows(text: string): CsvRow[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  const endRow = (): void => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]?.trim() !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < input.length; i += 1) {
    const ch = input[i] as string;
    if (inQuotes) {
      if (ch === '"' && input[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') inQuotes = false;
      else {
        if (ch === '\n') line += 1;
        cell += ch;
      }
    } else if (ch === '"') inQuotes = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && input[i + 1] === '\n') i += 1;
      endRow();
      line += 1;
      rowLine = line;
    } else cell += ch;
  }
  if (inQuotes) throw new InvalidInputError(`expected-results CSV: unterminated quoted cell starting on line ${rowLine}`);
  endRow();
  return rows;
}

function findColumns(header: CsvRow | undefined): { image: number; results: number } {
  const names = (header?.cells ?? []).map((c) => c.trim().toLowerCase());
  const image = names.indexOf(IMAGE_COLUMN);
  const results = names.indexOf(RESULTS_COLUMN);
  if (image < 0 || results < 0) {
    const found = header === undefined ? 'an empty file' : `columns ${JSON.stringify(header.cells)}`;
    throw new InvalidInputError(`expected-results CSV needs the columns Image and Results; found ${found}`);
  }
  return { image, results };
}

/** Parses the CSV text into stem -> expected label. */
export function parseExpectedLabels(text: string): Map<string, string> {
  const [header, ...rows] = parseCsvRows(text);
  const columns = findColumns(header);
  const labels = new Map<string, string>();
  for (const row of rows) {
    const image = row.cells[columns.image]?.trim() ?? '';
    const label = row.cells[columns.results]?.trim() ?? '';
    if (image === '' || label === '') {
      throw new InvalidInputError(`expected-results CSV line ${row.line}: Image and Results must both be filled`);
    }
    const stem = imageCellStem(image);
    const previous = labels.get(stem);
    if (previous !== undefined && previous !== label) {
      throw new InvalidInputError(`expected-results CSV line ${row.line}: ${stem} is listed as both ${previous} and ${label}`);
    }
    labels.set(stem, label);
  }
  return labels;
}

/** Reads and parses the CSV file; a missing or unreadable file is an InvalidInputError. */
export async function readExpectedLabels(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read expected-results CSV ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseExpectedLabels(text);
}
