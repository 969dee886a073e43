// Canvas drawing for the page: no chart library, the pictures are small and redrawn often.

/** A distinct colour per category (golden-angle hues), stable across redraws. */
export function categoryColour(category: number): string {
  return `hsl(${(category * 137.508) % 360}, 70%, 45%)`;
}

/** World coordinates [-R, R]² shown on the scatter canvas. */
export const WORLD_RADIUS = 4;

export function toCanvas(canvas: HTMLCanvasElement, x: number, y: number): [number, number] {
  return [((x + WORLD_RADIUS) / (2 * WORLD_RADIUS)) * canvas.width, ((WORLD_RADIUS - y) / (2 * WORLD_RADIUS)) * canvas.height];
}

export function toWorld(canvas: HTMLCanvasElement, px: number, py: number): [number, number] {
  return [(px / canvas.width) * 2 * WORLD_RADIUS - WORLD_RADIUS, WORLD_RADIUS - (py / canvas.height) * 2 * WORLD_RADIUS];
}

export interface ScatterContent {
  readonly real: Float32Array;
  readonly generated: Float32Array;
  readonly categories: Int32Array;
  readonly centers: readonly (readonly number[])[];
  readonly probabilities: readonly number[];
  readonly std: number;
  readonly selected: number;
}

let backgroundCache: { real: Float32Array; width: number; layer: HTMLCanvasElement } | undefined;

/** The grid and the real points, drawn once per mixture: redrawing 1,500 points every frame is wasted work on a software GPU. */
function background(canvas: HTMLCanvasElement, real: Float32Array): HTMLCanvasElement {
  if (backgroundCache?.real === real && backgroundCache.width === canvas.width) return backgroundCache.layer;
  const layer = document.createElement('canvas');
  layer.width = canvas.width;
  layer.height = canvas.height;
  const g = layer.getContext('2d');
  if (g !== null) {
    g.strokeStyle = '#eceef2';
    for (let v = -WORLD_RADIUS; v <= WORLD_RADIUS; v++) {
      const [px] = toCanvas(canvas, v, 0);
      const [, py] = toCanvas(canvas, 0, v);
      g.beginPath();
      g.moveTo(px, 0);
      g.lineTo(px, canvas.height);
      g.moveTo(0, py);
      g.lineTo(canvas.width, py);
      g.stroke();
    }
    g.fillStyle = 'rgba(120, 120, 130, 0.35)';
    for (let i = 0; i + 1 < real.length; i += 2) {
      const [px, py] = toCanvas(canvas, real[i] ?? 0, real[i + 1] ?? 0);
      g.fillRect(px - 1.5, py - 1.5, 3, 3);
    }
  }
  backgroundCache = { real, width: canvas.width, layer };
  return layer;
}

export function drawScatter(canvas: HTMLCanvasElement, content: ScatterContent): void {
  const g = canvas.getContext('2d');
  if (g === null) return;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.drawImage(background(canvas, content.real), 0, 0);
  // One path per category: a few fills instead of one per point.
  const byCategory = new Map<number, number[]>();
  for (let i = 0; 2 * i + 1 < content.generated.length; i++) {
    const k = content.categories[i] ?? 0;
    const list = byCategory.get(k) ?? [];
    list.push(i);
    byCategory.set(k, list);
  }
  for (const [k, indices] of byCategory) {
    g.fillStyle = categoryColour(k);
    g.beginPath();
    for (const i of indices) {
      const [px, py] = toCanvas(canvas, content.generated[2 * i] ?? 0, content.generated[2 * i + 1] ?? 0);
      g.moveTo(px + 2.4, py);
      g.arc(px, py, 2.4, 0, 2 * Math.PI);
    }
    g.fill();
  }
  const radius = (content.std * 3 * canvas.width) / (2 * WORLD_RADIUS);
  content.centers.forEach((center, k) => {
    const [px, py] = toCanvas(canvas, center[0] ?? 0, center[1] ?? 0);
    g.strokeStyle = k === content.selected ? '#d04000' : '#333';
    g.lineWidth = k === content.selected ? 2 : 1;
    g.beginPath();
    g.arc(px, py, radius, 0, 2 * Math.PI);
    g.stroke();
    g.fillStyle = '#333';
    g.font = '11px system-ui';
    g.fillText(`${k + 1}: p=${(content.probabilities[k] ?? 0).toFixed(2)}`, px + radius * 0.72, py - radius * 0.72);
  });
  g.lineWidth = 1;
}

export function drawBars(canvas: HTMLCanvasElement, values: readonly number[]): void {
  const g = canvas.getContext('2d');
  if (g === null) return;
  g.clearRect(0, 0, canvas.width, canvas.height);
  const n = Math.max(values.length, 1);
  const width = canvas.width / n;
  const top = 14;
  values.forEach((value, k) => {
    const height = value * (canvas.height - top - 14);
    g.fillStyle = categoryColour(k);
    g.fillRect(k * width + 3, canvas.height - 14 - height, width - 6, height);
    g.fillStyle = '#333';
    g.font = '10px system-ui';
    g.fillText(value.toFixed(2), k * width + 4, canvas.height - 16 - height);
    g.fillText(String(k), k * width + width / 2 - 3, canvas.height - 3);
  });
}

/** Line series over steps, sharing one y range; `null` values break nothing, they are skipped. */
export function drawLines(canvas: HTMLCanvasElement, steps: readonly number[], series: readonly { readonly colour: string; readonly values: readonly number[] }[]): void {
  const g = canvas.getContext('2d');
  if (g === null) return;
  g.clearRect(0, 0, canvas.width, canvas.height);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (steps.length < 2 || all.length === 0) return;
  let low = Math.min(...all);
  let high = Math.max(...all);
  if (high - low < 1e-9) [low, high] = [low - 0.5, high + 0.5];
  const first = steps[0] ?? 0;
  const last = steps[steps.length - 1] ?? 1;
  const x = (step: number): number => 30 + ((step - first) / Math.max(last - first, 1)) * (canvas.width - 36);
  const y = (value: number): number => 6 + (1 - (value - low) / (high - low)) * (canvas.height - 20);
  g.fillStyle = '#555';
  g.font = '10px system-ui';
  g.fillText(high.toPrecision(3), 0, 12);
  g.fillText(low.toPrecision(3), 0, canvas.height - 14);
  g.fillText(`step ${first}`, 30, canvas.height - 2);
  g.fillText(`${last}`, canvas.width - 40, canvas.height - 2);
  for (const { colour, values } of series) {
    g.strokeStyle = colour;
    g.beginPath();
    values.forEach((value, i) => {
      if (!Number.isFinite(value)) return;
      const px = x(steps[i] ?? 0);
      const py = y(value);
      if (i === 0) g.moveTo(px, py);
      else g.lineTo(px, py);
    });
    g.stroke();
  }
}
