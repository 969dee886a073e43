import { beforeAll, describe, expect, it } from 'vitest';
import { formatCsvPoints, gaussianMixture, inMemoryDataset, parseCsvPoints, parseJsonPoints, PAPER_GAUSSIAN_MIXTURE } from './index.js';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';

describe('CSV points', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reads numbers with or without a header; blank lines, CRLF, spaces and quotes are fine', () => {
    const withHeader = parseCsvPoints('x,y\r\n1.5, -2\r\n\r\n"3e2",.25\r\n');
    expect([withHeader.size, withHeader.sampleShape, withHeader.source]).toEqual([2, [2], '<string>']);
    expect(withHeader.values).toEqual(new Float32Array([1.5, -2, 300, 0.25]));
    const without = parseCsvPoints('1;2;3\n4;5;6', { delimiter: ';' });
    expect(without.sampleShape).toEqual([3]);
    expect(without.values).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    // header: false reads the first row as data, header: true skips it.
    expect(parseCsvPoints('7,8\n9,10', { header: true }).values).toEqual(new Float32Array([9, 10]));
  });

  it('keeps a label column, by index or header name, for evaluation', () => {
    const byName = parseCsvPoints('x,label,y\n0.5,2,1\n-1,0,3\n', { labelColumn: 'label' });
    expect(byName.values).toEqual(new Float32Array([0.5, 1, -1, 3]));
    expect(byName.labels).toEqual(new Int32Array([2, 0]));
    expect(byName.classes).toBe(3);
    const byIndex = parseCsvPoints('0.5,2,1\n-1,0,3\n', { labelColumn: 1 });
    expect(byIndex.values).toEqual(byName.values);
    expect(byIndex.labels).toEqual(byName.labels);
  });

  it('round-trips through formatCsvPoints exactly (float32 values, labels last)', () => {
    const dataset = gaussianMixture(PAPER_GAUSSIAN_MIXTURE).dataset(200, createRandom(4));
    const text = formatCsvPoints(dataset);
    expect(text.split('\n')[0]).toBe('x1,x2,label');
    const back = parseCsvPoints(text, { labelColumn: 'label' });
    expect(back.values).toEqual(dataset.values);
    expect(back.labels).toEqual(dataset.labels);
    expect(formatCsvPoints(inMemoryDataset({ values: new Uint8Array([0, 255]), sampleShape: [2], scale: 2 / 255, offset: -1 }), { header: false })).toBe('-1,1\n');
  });

  it('rejects a non-numeric cell, naming the source, line, column and cell', () => {
    const text = 'x,y,z\n1,2,3\n\n4,5,abc\n';
    expect(invalidArgumentMessage(() => parseCsvPoints(text, { source: '/data/points.csv' }))).toBe(
      'parseCsvPoints: /data/points.csv line 4, column 3 must be a number, got "abc".',
    );
    expect(invalidArgumentMessage(() => parseCsvPoints('1,2\n3,\n'))).toBe('parseCsvPoints: <string> line 2, column 2 must be a number, got "".');
    expect(invalidArgumentMessage(() => parseCsvPoints('1,NaN\n'))).toBe('parseCsvPoints: <string> line 1, column 2 must be a number, got "NaN".');
    expect(invalidArgumentMessage(() => parseCsvPoints('1,Infinity\n'))).toBe('parseCsvPoints: <string> line 1, column 2 must be a number, got "Infinity".');
    expect(invalidArgumentMessage(() => parseCsvPoints('1,1e39\n'))).toBe(
      'parseCsvPoints: <string> line 1, column 2 must be a number within float32 range (|x| <= 3.4028235e38), got "1e39".',
    );
    expect(invalidArgumentMessage(() => parseCsvPoints('1,0.5\n', { labelColumn: 1 }))).toBe(
      'parseCsvPoints: <string> line 1, column 2 must be a class label (a non-negative integer), got "0.5".',
    );
    // A first row with some numbers is data: its other cells are errors, not a header.
    expect(invalidArgumentMessage(() => parseCsvPoints('x,2\n1,2\n'))).toBe('parseCsvPoints: <string> line 1, column 1 must be a number, got "x".');
  });

  it('rejects a ragged row, naming the line and both cell counts', () => {
    expect(invalidArgumentMessage(() => parseCsvPoints('x,y\n1,2\n3,4\n5\n', { source: 'p.csv' }))).toBe('parseCsvPoints: p.csv line 4 must be 2 cells (as on line 1), got 1 cell.');
    expect(invalidArgumentMessage(() => parseCsvPoints('1,2\n3,4,5\n'))).toBe('parseCsvPoints: <string> line 2 must be 2 cells (as on line 1), got 3 cells.');
    expect(invalidArgumentMessage(() => parseCsvPoints('1,"2\n'))).toBe('parseCsvPoints: <string> line 1 must be a row with balanced double quotes, got "1,\\"2".');
  });

  it('rejects an empty CSV, and one with only a header', () => {
    expect(invalidArgumentMessage(() => parseCsvPoints('', { source: 'empty.csv' }))).toBe('parseCsvPoints: empty.csv must be CSV text with at least one row of numbers, got no rows (empty).');
    expect(invalidArgumentMessage(() => parseCsvPoints('\n  \n'))).toBe('parseCsvPoints: <string> must be CSV text with at least one row of numbers, got no rows (empty).');
    expect(invalidArgumentMessage(() => parseCsvPoints('\nx,y\n\n'))).toBe('parseCsvPoints: <string> must be CSV text with at least one row of numbers, got only a header (line 2).');
  });

  it('rejects a bad label column', () => {
    expect(invalidArgumentMessage(() => parseCsvPoints('x,y\n1,2\n', { labelColumn: 'class' }))).toBe(
      'parseCsvPoints: options.labelColumn must be a column name of the header ("x", "y"), got "class".',
    );
    expect(invalidArgumentMessage(() => parseCsvPoints('1,2\n', { labelColumn: 'class' }))).toBe('parseCsvPoints: options.labelColumn must be a column index (this CSV has no header), got "class".');
    expect(invalidArgumentMessage(() => parseCsvPoints('1,2\n', { labelColumn: 2 }))).toBe('parseCsvPoints: options.labelColumn must be a column index in [0, 1] or a header name, got 2.');
  });
});

describe('JSON points', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reads an array of points, or { points, labels }, as text or value', () => {
    const plain = parseJsonPoints('[[1, 2], [3.5, -4]]');
    expect([plain.size, plain.sampleShape]).toEqual([2, [2]]);
    expect(plain.values).toEqual(new Float32Array([1, 2, 3.5, -4]));
    const labelled = parseJsonPoints({ points: [[1], [2], [3]], labels: [1, 0, 1] });
    expect(labelled.labels).toEqual(new Int32Array([1, 0, 1]));
    expect([labelled.classes, labelled.source]).toEqual([2, '<value>']);
  });

  it('rejects a bad cell or point, naming the source and the JSON path', () => {
    const points = Array.from({ length: 13 }, (_, i) => [i, i]);
    (points[12] as unknown[])[1] = 'abc';
    expect(invalidArgumentMessage(() => parseJsonPoints(JSON.stringify({ points }), { source: 'p.json' }))).toBe('parseJsonPoints: p.json points[12][1] must be a number, got "abc".');
    expect(invalidArgumentMessage(() => parseJsonPoints('[[1, 2], [3, null]]'))).toBe('parseJsonPoints: <string> [1][1] must be a number, got null.');
    expect(invalidArgumentMessage(() => parseJsonPoints('[[1, 2], [3]]'))).toBe('parseJsonPoints: <string> [1] must be an array of 2 numbers (like [0]), got an array of 1 value.');
    expect(invalidArgumentMessage(() => parseJsonPoints('[[1, 1e39]]'))).toBe('parseJsonPoints: <string> [0][1] must be a number within float32 range (|x| <= 3.4028235e38), got 1e+39.');
    expect(invalidArgumentMessage(() => parseJsonPoints('[[1, 2]')).startsWith('parseJsonPoints: <string> must be valid JSON, got invalid JSON (')).toBe(true);
    expect(invalidArgumentMessage(() => parseJsonPoints({ data: [] }))).toBe('parseJsonPoints: <value> must be an array of points or an object { points, labels? }, got an object.');
  });

  it('rejects empty JSON points and mismatched label counts', () => {
    expect(invalidArgumentMessage(() => parseJsonPoints('[]', { source: 'empty.json' }))).toBe('parseJsonPoints: empty.json must be at least one point, got an empty array.');
    expect(invalidArgumentMessage(() => parseJsonPoints('{"points": []}'))).toBe('parseJsonPoints: <string> points must be at least one point, got an empty array.');
    expect(invalidArgumentMessage(() => parseJsonPoints('', { source: 'blank.json' }))).toBe('parseJsonPoints: blank.json must be valid JSON, got empty text.');
    expect(invalidArgumentMessage(() => parseJsonPoints({ points: [[1], [2]], labels: [0] }))).toBe(
      'parseJsonPoints: <value> labels must be 2 labels (one per point: 2 points), got 1 label.',
    );
    expect(invalidArgumentMessage(() => parseJsonPoints({ points: [[1], [2]], labels: [0, -1] }))).toBe(
      'parseJsonPoints: <value> labels[1] must be a class label (a non-negative integer), got -1.',
    );
  });
});
