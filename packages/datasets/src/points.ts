import { InvalidArgumentError } from '@gantry/backend';
import { expectDataset, inMemoryDataset, type Dataset } from './dataset.js';

/** Options of {@link parseCsvPoints}. */
export interface CsvPointsOptions {
  /** The name used in error messages, e.g. the file path; default `'<string>'`. */
  readonly source?: string;
  /**
   * Whether the first non-blank line names the columns. `'auto'` (default): it does when
   * none of its cells is a number (a first row with some numbers is data, and its other
   * cells are errors).
   */
  readonly header?: 'auto' | boolean;
  /**
   * The column that holds class labels (kept for evaluation only), by 0-based index or by
   * header name; its cells must be non-negative integers. Default: no label column.
   */
  readonly labelColumn?: number | string;
  /** The cell separator, one character; default `','`. */
  readonly delimiter?: string;
}

/** Options of {@link parseJsonPoints}. */
export interface JsonPointsOptions {
  /** The name used in error messages, e.g. the file path; default `'<string>'` for text, `'<value>'` for a parsed value. */
  readonly source?: string;
}

/** Options of {@link formatCsvPoints}. */
export interface FormatCsvOptions {
  /** Write a header line `x1,x2,…[,label]`; default true. */
  readonly header?: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT32_RANGE = 'a number within float32 range (|x| <= 3.4028235e38)';

/** `1 cell`, `2 cells`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${count(value.length, 'value')}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return JSON.stringify(value);
}

/** Splits one CSV line into trimmed cells; double quotes may wrap a cell (`""` inside is a quote). Null when a quote is left open. */
function splitCells(line: string, delimiter: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        cell += char;
      }
    } else if (char === '"' && cell.trim() === '') {
      cell = '';
      quoted = true;
    } else if (char === delimiter) {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += char;
    }
  }
  if (quoted) return null;
  cells.push(cell.trim());
  return cells;
}

function isNumberCell(cell: string): boolean {
  return NUMBER.test(cell);
}

/**
 * Parses numeric CSV text into a {@link Dataset} of points (sample shape `[columns]`,
 * float32), strictly: every cell of every data row must be a number in float32 range,
 * every row must have as many cells as the first; blank lines are skipped. Anything else
 * throws an {@link InvalidArgumentError} naming the source, the line and column (from 1),
 * the expected and the actual cell, and no partial dataset is returned. Browser-safe;
 * `readCsvPoints` (`@gantry/datasets/node`) reads a file.
 */
export function parseCsvPoints(text: string, options: CsvPointsOptions = {}): Dataset {
  return parseCsv('parseCsvPoints', text, options);
}

/** {@link parseCsvPoints} under another caller's name (for `readCsvPoints`). */
export function parseCsv(caller: string, text: string, options: CsvPointsOptions): Dataset {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', describe(options));
  const source = options.source ?? '<string>';
  if (typeof text !== 'string') throw new InvalidArgumentError(caller, 'text', 'a string', describe(text));
  const header = options.header ?? 'auto';
  if (header !== 'auto' && typeof header !== 'boolean') throw new InvalidArgumentError(caller, 'options.header', "'auto', true or false", describe(header));
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"') {
    throw new InvalidArgumentError(caller, 'options.delimiter', 'one character other than a double quote', describe(delimiter));
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let names: string[] | null = null;
  let width = -1;
  let widthLine = 0;
  let labelIndex = -1;
  const values: number[] = [];
  const labels: number[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const lineNumber = index + 1;
    if (line.trim() === '') continue;
    const where = `${source} line ${lineNumber}`;
    const cells = splitCells(line, delimiter);
    if (cells === null) throw new InvalidArgumentError(caller, where, 'a row with balanced double quotes', JSON.stringify(line));
    if (width < 0) {
      width = cells.length;
      widthLine = lineNumber;
      if (header === true || (header === 'auto' && !cells.some(isNumberCell))) {
        names = cells;
        continue;
      }
    }
    if (cells.length !== width) {
      throw new InvalidArgumentError(caller, where, `${count(width, 'cell')} (as on line ${widthLine})`, count(cells.length, 'cell'));
    }
    if (labelIndex < 0 && options.labelColumn !== undefined) labelIndex = resolveLabelColumn(caller, options.labelColumn, names, width);
    cells.forEach((cell, column) => {
      const at = `${where}, column ${column + 1}`;
      if (!isNumberCell(cell)) {
        throw new InvalidArgumentError(caller, at, column === labelIndex ? 'a class label (a non-negative integer)' : 'a number', JSON.stringify(cell));
      }
      const value = Number(cell);
      if (column === labelIndex) {
        if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new InvalidArgumentError(caller, at, 'a class label (a non-negative integer)', JSON.stringify(cell));
        labels.push(value);
      } else {
        if (!Number.isFinite(Math.fround(value))) throw new InvalidArgumentError(caller, at, FLOAT32_RANGE, JSON.stringify(cell));
        values.push(value);
      }
    });
  }
  if (width < 0) throw new InvalidArgumentError(caller, source, 'CSV text with at least one row of numbers', text.trim() === '' ? 'no rows (empty)' : 'no rows');
  if (values.length === 0 && labels.length === 0) throw new InvalidArgumentError(caller, source, 'CSV text with at least one row of numbers', `only a header (line ${widthLine})`);
  if (labelIndex >= 0 && width === 1) throw new InvalidArgumentError(caller, 'options.labelColumn', 'a column other than the only one', String(options.labelColumn));
  const sampleSize = labelIndex >= 0 ? width - 1 : width;
  return inMemoryDataset({ values: Float32Array.from(values), sampleShape: [sampleSize], ...(labelIndex >= 0 ? { labels } : {}), source });
}

function resolveLabelColumn(caller: string, column: number | string, names: readonly string[] | null, width: number): number {
  if (typeof column === 'string') {
    if (names === null) throw new InvalidArgumentError(caller, 'options.labelColumn', 'a column index (this CSV has no header)', JSON.stringify(column));
    const found = names.indexOf(column);
    if (found < 0) throw new InvalidArgumentError(caller, 'options.labelColumn', `a column name of the header (${names.map((name) => JSON.stringify(name)).join(', ')})`, JSON.stringify(column));
    return found;
  }
  if (!Number.isInteger(column) || column < 0 || column >= width) {
    throw new InvalidArgumentError(caller, 'options.labelColumn', `a column index in [0, ${width - 1}] or a header name`, describe(column));
  }
  return column;
}

/**
 * Parses JSON points into a {@link Dataset}: either an array of points (`[[x, y], …]`) or
 * `{ "points": [[x, y], …], "labels": [0, 2, …] }` with optional labels (kept for evaluation
 * only). Takes JSON text or an already parsed value. Every point must be a non-empty array
 * of numbers in float32 range, all of one length; anything else throws an
 * {@link InvalidArgumentError} naming the source and the JSON path (`points[12][1]`).
 * Browser-safe; `readJsonPoints` (`@gantry/datasets/node`) reads a file.
 */
export function parseJsonPoints(input: unknown, options: JsonPointsOptions = {}): Dataset {
  return parseJson('parseJsonPoints', input, options);
}

/** {@link parseJsonPoints} under another caller's name (for `readJsonPoints`). */
export function parseJson(caller: string, input: unknown, options: JsonPointsOptions): Dataset {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', describe(options));
  const source = options.source ?? (typeof input === 'string' ? '<string>' : '<value>');
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new InvalidArgumentError(caller, source, 'valid JSON', input.trim() === '' ? 'empty text' : `invalid JSON (${(error as Error).message})`);
    }
  }
  let points: unknown;
  let labels: unknown;
  let path: string;
  if (Array.isArray(value)) {
    points = value;
    path = '';
  } else if (typeof value === 'object' && value !== null && 'points' in value) {
    ({ points, labels } = value as { points: unknown; labels?: unknown });
    path = 'points';
  } else {
    throw new InvalidArgumentError(caller, source, 'an array of points or an object { points, labels? }', describe(value));
  }
  const at = (suffix: string): string => `${source} ${path}${suffix}`;
  if (!Array.isArray(points)) throw new InvalidArgumentError(caller, at(''), 'an array of points', describe(points));
  if (points.length === 0) throw new InvalidArgumentError(caller, path === '' ? source : at(''), 'at least one point', 'an empty array');
  const first: unknown = points[0];
  if (!Array.isArray(first) || first.length === 0) throw new InvalidArgumentError(caller, at('[0]'), 'a non-empty array of numbers', describe(first));
  const width = first.length;
  const values = new Float32Array(points.length * width);
  points.forEach((point: unknown, i) => {
    if (!Array.isArray(point) || point.length !== width) throw new InvalidArgumentError(caller, at(`[${i}]`), `an array of ${width} numbers (like ${path}[0])`, describe(point));
    point.forEach((coordinate: unknown, k) => {
      if (typeof coordinate !== 'number' || !Number.isFinite(coordinate)) throw new InvalidArgumentError(caller, at(`[${i}][${k}]`), 'a number', describe(coordinate));
      if (!Number.isFinite(Math.fround(coordinate))) throw new InvalidArgumentError(caller, at(`[${i}][${k}]`), FLOAT32_RANGE, describe(coordinate));
      values[i * width + k] = coordinate;
    });
  });
  if (labels === undefined) return inMemoryDataset({ values, sampleShape: [width], source });
  if (!Array.isArray(labels)) throw new InvalidArgumentError(caller, `${source} labels`, 'an array of class labels', describe(labels));
  if (labels.length !== points.length) {
    throw new InvalidArgumentError(caller, `${source} labels`, `${count(points.length, 'label')} (one per point: ${count(points.length, 'point')})`, count(labels.length, 'label'));
  }
  labels.forEach((label: unknown, i) => {
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label > 0x7fffffff) {
      throw new InvalidArgumentError(caller, `${source} labels[${i}]`, 'a class label (a non-negative integer)', describe(label));
    }
  });
  return inMemoryDataset({ values, sampleShape: [width], labels: labels as number[], source });
}

/** The shortest decimal that reads back as the same float32. */
function formatFloat32(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(value);
}

/**
 * Writes a dataset as numeric CSV, one sample (flattened, scaled) per line, with its label
 * as the last column when it has labels: `parseCsvPoints(text, { labelColumn: 'label' })`
 * reads it back exactly. Each value is the shortest decimal that reads back as the same
 * float32. Use it to export a mixture's samples for plotting.
 */
export function formatCsvPoints(dataset: Dataset, options: FormatCsvOptions = {}): string {
  const caller = 'formatCsvPoints';
  const data = expectDataset(caller, 'dataset', dataset);
  const header = options.header ?? true;
  if (typeof header !== 'boolean') throw new InvalidArgumentError(caller, 'options.header', 'a boolean', describe(header));
  const { values, sampleSize, scale, offset, labels } = data;
  const lines: string[] = [];
  if (header) {
    const names = Array.from({ length: sampleSize }, (_, k) => `x${k + 1}`);
    lines.push([...names, ...(labels === undefined ? [] : ['label'])].join(','));
  }
  for (let row = 0; row < data.size; row++) {
    const cells: string[] = [];
    for (let k = 0; k < sampleSize; k++) cells.push(formatFloat32(Math.fround((values[row * sampleSize + k] as number) * scale + offset)));
    if (labels !== undefined) cells.push(String(labels[row]));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
