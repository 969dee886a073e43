import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { PNG } from 'pngjs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const require = createRequire(import.meta.url);

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The paper's Figs. 2-4 as SVG: real points in grey, generated points coloured by the
 * category they were generated with (the legend gives P(c)); categories under 1% are left
 * out, as in the paper.
 */
export async function scatterSvg(options: {
  readonly title: string;
  readonly real: ArrayLike<number>;
  readonly generated: ArrayLike<number>;
  readonly categories: ArrayLike<number>;
  readonly prior: readonly number[];
}): Promise<string> {
  const rows: { x: number; y: number; kind: string; category: string }[] = [];
  for (let i = 0; i + 1 < options.real.length; i += 2) rows.push({ x: options.real[i] as number, y: options.real[i + 1] as number, kind: 'real', category: 'real data' });
  for (let i = 0; i < options.categories.length; i++) {
    const category = options.categories[i] as number;
    if ((options.prior[category] ?? 0) < 0.01) continue;
    rows.push({ x: options.generated[2 * i] as number, y: options.generated[2 * i + 1] as number, kind: 'generated', category: `${category}: ${(options.prior[category] as number).toFixed(3)}` });
  }
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: 480,
    height: 480,
    background: 'white',
    data: { values: rows },
    layer: [
      { transform: [{ filter: "datum.kind === 'real'" }], mark: { type: 'circle', size: 6, opacity: 0.25, color: '#888888' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      {
        transform: [{ filter: "datum.kind === 'generated'" }],
        mark: { type: 'circle', size: 8, opacity: 0.6 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { domain: [-4, 4] } },
          y: { field: 'y', type: 'quantitative', scale: { domain: [-4, 4] } },
          color: { field: 'category', type: 'nominal', title: 'category: P(c)', scale: { scheme: 'tableau10' } },
        },
      },
    ],
  });
}

/**
 * Quality over training wall time as SVG: the Fréchet distance (log scale) and the class
 * consistency of each run's `curves.jsonl` against its training minutes, one line per run.
 */
export async function curvesSvg(title: string, runs: readonly { readonly name: string; readonly points: readonly { readonly trainingSeconds: number; readonly frechetDistance: number; readonly consistency: number }[] }[]): Promise<string> {
  const rows = runs.flatMap((run) => run.points.map((point) => ({ run: run.name, minutes: point.trainingSeconds / 60, frechet: point.frechetDistance, consistency: point.consistency })));
  const panel = (field: string, label: string, log: boolean) => ({
    width: 360,
    height: 260,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'minutes', type: 'quantitative' as const, title: 'training minutes (curve evaluations excluded)' },
      y: { field, type: 'quantitative' as const, title: label, ...(log ? { scale: { type: 'log' as const } } : { scale: { domain: [0, 1] } }) },
      color: { field: 'run', type: 'nominal' as const, title: 'run', scale: { scheme: 'tableau10' } },
    },
  });
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    background: 'white',
    data: { values: rows },
    hconcat: [panel('frechet', 'Fréchet distance to the test images (log)', true), panel('consistency', 'class consistency', false)],
  } as TopLevelSpec);
}

/** P(C) over training as SVG: one line per category that ever reached 1%. */
export async function priorHistorySvg(title: string, history: readonly { readonly step: number; readonly prior: readonly number[] }[]): Promise<string> {
  const shown = new Set<number>();
  for (const { prior } of history) prior.forEach((p, k) => (p >= 0.01 ? shown.add(k) : undefined));
  const rows = history.flatMap(({ step, prior }) => prior.flatMap((p, k) => (shown.has(k) ? [{ step, probability: p, category: String(k) }] : [])));
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 300,
    background: 'white',
    data: { values: rows },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'probability', type: 'quantitative', title: 'P(c)' },
      color: { field: 'category', type: 'nominal', scale: { scheme: 'tableau10' } },
    },
  });
}

let fontBuffer: Uint8Array | undefined;
let wasmReady: Promise<void> | undefined;

/** Rasterises an SVG with resvg (WebAssembly) and the DejaVu Sans font shipped as a dependency, so text renders on machines without fonts. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  wasmReady ??= readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')).then((wasm) => initWasm(wasm));
  await wasmReady;
  fontBuffer ??= new Uint8Array(await readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')));
  const resvg = new Resvg(svg, { font: { fontBuffers: [fontBuffer], defaultFontFamily: 'DejaVu Sans', loadSystemFonts: false }, fitTo: { mode: 'zoom', value: 2 } });
  try {
    return resvg.render().asPng();
  } finally {
    resvg.free();
  }
}

/**
 * A grid of images as PNG, like the paper's Figs. 5-7: `images` holds rows × columns
 * images of [height, width, channels] row-major, pixels in [−1, 1]; a 2-pixel white gutter
 * separates them.
 */
export function imageGridPng(images: ArrayLike<number>, options: { readonly rows: number; readonly columns: number; readonly height: number; readonly width: number; readonly channels: number }): Uint8Array {
  const { rows, columns, height, width, channels } = options;
  const gutter = 2;
  const png = new PNG({ width: columns * (width + gutter) + gutter, height: rows * (height + gutter) + gutter });
  png.data.fill(255);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const offset = (r * columns + c) * height * width * channels;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const target = ((gutter + r * (height + gutter) + y) * png.width + gutter + c * (width + gutter) + x) * 4;
          for (let k = 0; k < 3; k++) {
            const value = images[offset + (y * width + x) * channels + (channels === 1 ? 0 : k)] as number;
            png.data[target + k] = Math.round(Math.max(0, Math.min(1, (value + 1) / 2)) * 255);
          }
          png.data[target + 3] = 255;
        }
      }
    }
  }
  return PNG.sync.write(png);
}

/**
 * An image grid ({@link imageGridPng}) under a header of one or more text lines per column,
 * as an SVG: how Figs. 5-7 label their columns (here each category's digit and P(c)).
 * `cell` is a column's width in pixels, gutter included.
 */
export function labelledGridSvg(gridPng: Uint8Array, options: { readonly width: number; readonly height: number; readonly cell: number; readonly labels: readonly (readonly string[])[] }): string {
  const { width, height, cell, labels } = options;
  const lines = Math.max(1, ...labels.map((column) => column.length));
  const lineHeight = 9;
  const header = lines * lineHeight + 4;
  const text = labels
    .flatMap((column, c) => column.map((line, l) => `<text x="${2 + c * cell + (cell - 2) / 2}" y="${(l + 1) * lineHeight}" font-size="7" text-anchor="middle">${escapeXml(line)}</text>`))
    .join('');
  const image = `<image x="0" y="${header}" width="${width}" height="${height}" href="data:image/png;base64,${Buffer.from(gridPng).toString('base64')}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + header}" viewBox="0 0 ${width} ${height + header}"><rect width="100%" height="100%" fill="white"/>${text}${image}</svg>`;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
