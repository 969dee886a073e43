// The page: controls, the mixture editor and the live charts. Training runs in the worker;
// this thread only draws, so the page stays responsive on any backend.
import { categoryColour, drawBars, drawLines, drawScatter, toCanvas, toWorld } from './charts.js';
import { DEFAULT_CONFIG, RECIPE_NAMES, type PlaygroundConfig, type RecipeName } from './config.js';
import { BACKEND_CHOICES, type BackendChoice, type CliModelFiles, type Request, type Response, type StepRecord } from './protocol.js';
import type { SavedRun } from './session.js';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`playground: the page has no #${id}`);
  return found as T;
}

const ui = {
  backend: element<HTMLElement>('backend'),
  backendChoice: element<HTMLSelectElement>('backend-choice'),
  backendReason: element<HTMLElement>('backend-reason'),
  backendSkipped: element<HTMLUListElement>('backend-skipped'),
  scatter: element<HTMLCanvasElement>('scatter'),
  status: element<HTMLElement>('status'),
  recipe: element<HTMLSelectElement>('recipe'),
  lambdaCreg: element<HTMLInputElement>('lambda-creg'),
  warmupSteps: element<HTMLInputElement>('warmup-steps'),
  recentre: element<HTMLInputElement>('recentre'),
  recentreAnnealSteps: element<HTMLInputElement>('recentre-anneal-steps'),
  categories: element<HTMLInputElement>('categories'),
  learningRate: element<HTMLInputElement>('learning-rate'),
  seed: element<HTMLInputElement>('seed'),
  units: element<HTMLInputElement>('units'),
  layers: element<HTMLInputElement>('layers'),
  start: element<HTMLButtonElement>('start'),
  pause: element<HTMLButtonElement>('pause'),
  resume: element<HTMLButtonElement>('resume'),
  reset: element<HTMLButtonElement>('reset'),
  step: element<HTMLElement>('step'),
  rate: element<HTMLElement>('rate'),
  components: element<HTMLTableSectionElement>('components').querySelector('tbody') as HTMLTableSectionElement,
  addComponent: element<HTMLButtonElement>('add-component'),
  std: element<HTMLInputElement>('std'),
  mixtureNote: element<HTMLElement>('mixture-note'),
  save: element<HTMLButtonElement>('save'),
  restore: element<HTMLButtonElement>('restore'),
  download: element<HTMLButtonElement>('download'),
  loadFiles: element<HTMLInputElement>('load-files'),
  prior: element<HTMLCanvasElement>('prior'),
  entropy: element<HTMLCanvasElement>('entropy'),
  losses: element<HTMLCanvasElement>('losses'),
  lossLegend: element<HTMLElement>('loss-legend'),
};

/** The mixture as edited: unnormalised weights; the run gets them divided by their sum, shown as p. */
interface EditedMixture {
  centers: [number, number][];
  weights: number[];
  std: number;
}

/** What the page knows; `window.gantryPlayground.state()` returns a copy (the e2e tests read it). */
const state = {
  backend: '',
  backendReason: '',
  running: false,
  step: 0,
  /** Every step's losses and entropy since the run started (or was restored). */
  history: [] as StepRecord[],
  prior: [] as number[],
  /** Counts progress messages that carried fresh samples. */
  scatterUpdates: 0,
  stepsPerSecond: 0,
  saved: null as null | { step: number; bytes: number },
  restored: null as null | { step: number; from: 'indexeddb' | 'files' },
  imported: null as null | { description: string },
  errors: [] as string[],
  config: DEFAULT_CONFIG,
};

const mixture: EditedMixture = {
  centers: DEFAULT_CONFIG.mixture.centers.map((c) => [c[0] ?? 0, c[1] ?? 0]),
  weights: [...DEFAULT_CONFIG.mixture.probabilities],
  std: DEFAULT_CONFIG.mixture.std,
};
let mixtureDirty = false;
let generated: { points: Float32Array; categories: Int32Array } = { points: new Float32Array(), categories: new Int32Array() };
let real: Float32Array = new Float32Array();
let selected = -1;

function probabilities(): number[] {
  const total = mixture.weights.reduce((sum, w) => sum + w, 0);
  return mixture.weights.map((w) => (total > 0 ? w / total : 0));
}

/** Real points for the picture only, from a small seeded generator on this thread (training draws its own in the worker). */
function sampleReal(count: number): Float32Array {
  let seed = 12345;
  const uniform = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return (seed + 0.5) / 4294967296;
  };
  const p = probabilities();
  const out = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) {
    let u = uniform();
    let k = 0;
    while (k < p.length - 1 && u >= (p[k] ?? 0)) u -= p[k++] ?? 0;
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    const center = mixture.centers[k] ?? [0, 0];
    out[2 * i] = center[0] + mixture.std * r * Math.cos(angle);
    out[2 * i + 1] = center[1] + mixture.std * r * Math.sin(angle);
  }
  return out;
}

function redrawScatter(): void {
  drawScatter(ui.scatter, { real, generated: generated.points, categories: generated.categories, centers: mixture.centers, probabilities: probabilities(), std: mixture.std, selected });
}

function setStatus(text: string, error = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
}

function mixtureChanged(): void {
  mixtureDirty = true;
  real = sampleReal(1500);
  renderComponents();
  redrawScatter();
  ui.mixtureNote.textContent = state.step > 0 ? 'The mixture changed: Reset or Start to train on it (the running model keeps its data).' : '';
}

function renderComponents(): void {
  const p = probabilities();
  ui.components.replaceChildren(
    ...mixture.centers.map((center, k) => {
      const row = document.createElement('tr');
      const cell = (content: Node | string): HTMLTableCellElement => {
        const td = document.createElement('td');
        td.append(content);
        return td;
      };
      const input = (value: number, step: string, onChange: (value: number) => void, label: string): HTMLInputElement => {
        const field = document.createElement('input');
        field.type = 'number';
        field.step = step;
        field.value = String(Number(value.toFixed(3)));
        field.setAttribute('aria-label', label);
        field.addEventListener('change', () => {
          const parsed = Number(field.value);
          if (field.value.trim() === '' || !Number.isFinite(parsed)) {
            setStatus(`${label}: expected a finite number, got '${field.value}'`, true);
            return;
          }
          onChange(parsed);
          mixtureChanged();
        });
        return field;
      };
      const remove = document.createElement('button');
      remove.textContent = '×';
      remove.title = `Remove component ${k + 1}`;
      remove.disabled = mixture.centers.length <= 1;
      remove.addEventListener('click', () => {
        mixture.centers.splice(k, 1);
        mixture.weights.splice(k, 1);
        mixtureChanged();
      });
      const swatch = document.createElement('span');
      swatch.textContent = String(k + 1);
      row.append(
        cell(swatch),
        cell(input(center[0], '0.1', (v) => (center[0] = v), `component ${k + 1} x`)),
        cell(input(center[1], '0.1', (v) => (center[1] = v), `component ${k + 1} y`)),
        cell(input(mixture.weights[k] ?? 0, '0.05', (v) => {
          if (v < 0) {
            setStatus(`component ${k + 1} weight: expected ≥ 0, got ${v}`, true);
            return;
          }
          mixture.weights[k] = v;
        }, `component ${k + 1} weight`)),
        cell((p[k] ?? 0).toFixed(3)),
        cell(remove),
      );
      return row;
    }),
  );
}

function numberField(field: HTMLInputElement, name: string, integer: boolean): number {
  const value = Number(field.value);
  if (field.value.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name}: expected ${integer ? 'an integer' : 'a number'}, got '${field.value}'`);
  }
  return value;
}

/** The generator EMA of the shown config: no field of its own, it comes from the defaults, the URL or a restored run. */
let shownEma: number | null = DEFAULT_CONFIG.generatorEma;

function readConfig(): PlaygroundConfig {
  const p = probabilities();
  if (p.every((value) => value === 0)) throw new RangeError('mixture weights: at least one must be > 0');
  return {
    recipe: ui.recipe.value as RecipeName,
    mixture: { centers: mixture.centers.map((c) => [...c]), probabilities: p, std: mixture.std },
    lambdaCreg: numberField(ui.lambdaCreg, 'λ_creg', false),
    warmupSteps: numberField(ui.warmupSteps, 'prior warm-up', true),
    recentre: ui.recentre.checked,
    recentreAnnealSteps: ui.recentre.checked ? numberField(ui.recentreAnnealSteps, 're-centring fade-out', true) : 0,
    generatorEma: shownEma,
    categories: numberField(ui.categories, 'd_c', true),
    learningRate: numberField(ui.learningRate, 'learning rate', false),
    seed: numberField(ui.seed, 'seed', true),
    units: numberField(ui.units, 'MLP width', true),
    layers: numberField(ui.layers, 'MLP layers', true),
    batchSize: DEFAULT_CONFIG.batchSize,
  };
}

function showConfig(config: PlaygroundConfig): void {
  ui.recipe.value = config.recipe;
  ui.lambdaCreg.value = String(config.lambdaCreg);
  ui.warmupSteps.value = String(config.warmupSteps);
  ui.recentre.checked = config.recentre;
  ui.recentreAnnealSteps.value = String(config.recentreAnnealSteps);
  shownEma = config.generatorEma;
  ui.categories.value = String(config.categories);
  ui.learningRate.value = String(config.learningRate);
  ui.seed.value = String(config.seed);
  ui.units.value = String(config.units);
  ui.layers.value = String(config.layers);
  ui.std.value = String(config.mixture.std);
  mixture.centers = config.mixture.centers.map((c) => [c[0] ?? 0, c[1] ?? 0]);
  mixture.weights = [...config.mixture.probabilities];
  mixture.std = config.mixture.std;
  enableVcaganFields(config.recipe);
}

function enableVcaganFields(recipe: string): void {
  for (const field of [ui.lambdaCreg, ui.warmupSteps, ui.recentre]) field.disabled = recipe !== 'vcagan';
  // The fade-out only exists for re-centred labels.
  ui.recentreAnnealSteps.disabled = recipe !== 'vcagan' || !ui.recentre.checked;
}

/** URL parameters override the defaults, so a configuration can be shared as a link. */
function configFromUrl(): { config: PlaygroundConfig; backend: BackendChoice } {
  const params = new URLSearchParams(location.search);
  const number = (name: string, fallback: number): number => {
    const text = params.get(name);
    if (text === null) return fallback;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new RangeError(`URL parameter ${name}: expected a number, got '${text}'`);
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const text = params.get(name);
    if (text === null) return fallback;
    if (text !== 'true' && text !== 'false') throw new RangeError(`URL parameter ${name}: expected true or false, got '${text}'`);
    return text === 'true';
  };
  const recipe = params.get('recipe') ?? DEFAULT_CONFIG.recipe;
  if (!(RECIPE_NAMES as readonly string[]).includes(recipe)) throw new RangeError(`URL parameter recipe: expected one of ${RECIPE_NAMES.join(', ')}, got '${recipe}'`);
  const backend = params.get('backend') ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) throw new RangeError(`URL parameter backend: expected one of ${BACKEND_CHOICES.join(', ')}, got '${backend}'`);
  const recentre = flag('recentre', DEFAULT_CONFIG.recentre);
  return {
    backend: backend as BackendChoice,
    config: {
      ...DEFAULT_CONFIG,
      recipe: recipe as RecipeName,
      lambdaCreg: number('lambdaCreg', DEFAULT_CONFIG.lambdaCreg),
      warmupSteps: number('warmupSteps', DEFAULT_CONFIG.warmupSteps),
      recentre,
      // Without re-centring there is nothing to fade out: ?recentre=false alone is the switch off.
      recentreAnnealSteps: number('recentreAnnealSteps', recentre ? DEFAULT_CONFIG.recentreAnnealSteps : 0),
      generatorEma: params.get('generatorEma') === 'none' ? null : number('generatorEma', DEFAULT_CONFIG.generatorEma ?? 0.999),
      categories: number('categories', DEFAULT_CONFIG.categories),
      learningRate: number('learningRate', DEFAULT_CONFIG.learningRate),
      seed: number('seed', DEFAULT_CONFIG.seed),
      units: number('units', DEFAULT_CONFIG.units),
      layers: number('layers', DEFAULT_CONFIG.layers),
      batchSize: number('batchSize', DEFAULT_CONFIG.batchSize),
    },
  };
}

let worker: Worker;
function send(request: Request, transfer: Transferable[] = []): void {
  worker.postMessage(request, transfer);
}

function setRunning(running: boolean, hasRun: boolean): void {
  state.running = running;
  ui.pause.disabled = !running;
  ui.resume.disabled = running || !hasRun;
  ui.save.disabled = !hasRun;
  ui.download.disabled = !hasRun;
}

const LOSS_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];

function redrawCharts(): void {
  drawBars(ui.prior, state.prior);
  // At most ~600 points per line: every k-th step of the history.
  const stride = Math.max(1, Math.ceil(state.history.length / 600));
  const shown = state.history.filter((_, i) => i % stride === 0);
  const steps = shown.map((record) => record.step);
  drawLines(ui.entropy, steps, [{ colour: '#333', values: shown.map((record) => record.entropy) }]);
  const names = Object.keys(state.history[state.history.length - 1]?.losses ?? {});
  drawLines(ui.losses, steps, names.map((name, i) => ({ colour: LOSS_COLOURS[i % LOSS_COLOURS.length] ?? '#000', values: shown.map((record) => record.losses[name] ?? Number.NaN) })));
  ui.lossLegend.replaceChildren(
    ...names.map((name, i) => {
      const span = document.createElement('span');
      span.textContent = `■ ${name} ${(state.history[state.history.length - 1]?.losses[name] ?? Number.NaN).toFixed(3)}`;
      span.style.color = LOSS_COLOURS[i % LOSS_COLOURS.length] ?? '#000';
      return span;
    }),
  );
}

function onMessage(message: Response): void {
  switch (message.type) {
    case 'backend':
      state.backend = message.backend;
      state.backendReason = message.reason;
      ui.backend.textContent = message.backend;
      ui.backend.dataset.backend = message.backend;
      ui.backendReason.textContent = message.reason;
      ui.backendSkipped.replaceChildren(
        ...message.skipped.map((entry) => {
          const item = document.createElement('li');
          item.textContent = `${entry.backend} skipped: ${entry.reason}`;
          return item;
        }),
      );
      setStatus('Ready: press Start.');
      return;
    case 'started':
      state.config = message.config;
      state.history = [];
      state.step = 0;
      state.restored = null;
      mixtureDirty = false;
      ui.mixtureNote.textContent = '';
      setStatus(message.running ? `Training ${message.config.recipe} (seed ${message.config.seed}).` : `Reset: new ${message.config.recipe} networks at step 0 (seed ${message.config.seed}); Resume trains them.`);
      return;
    case 'progress':
      state.step = message.step;
      state.history.push(...message.records);
      state.prior = [...message.prior];
      state.stepsPerSecond = message.stepsPerSecond;
      generated = { points: message.points, categories: message.categories };
      state.scatterUpdates += 1;
      if (state.running && !message.running && state.errors.length === 0) setStatus(`Paused at step ${message.step}: Resume continues the same run.`);
      setRunning(message.running, true);
      ui.step.textContent = String(message.step);
      ui.rate.textContent = message.stepsPerSecond.toFixed(1);
      redrawScatter();
      redrawCharts();
      send({ type: 'ack' });
      return;
    case 'saved':
      state.saved = { step: message.step, bytes: message.bytes };
      setStatus(`Saved step ${message.step} in this browser (IndexedDB gantry-playground, ${(message.bytes / 1024).toFixed(0)} KiB of tensors).`);
      return;
    case 'restored':
      state.config = message.config;
      state.history = [...message.history];
      state.step = message.step;
      state.restored = { step: message.step, from: message.from };
      showConfig(message.config);
      mixtureChanged();
      mixtureDirty = false;
      ui.mixtureNote.textContent = '';
      setRunning(false, true);
      setStatus(`Restored the run saved ${message.from === 'files' ? 'in the selected files' : 'in this browser'} at step ${message.step}: Resume continues it.`);
      return;
    case 'exported':
      for (const file of message.files) {
        const link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([file.data]));
        link.download = file.name;
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      }
      setStatus(`Downloaded ${message.files.map((file) => file.name).join(', ')}.`);
      return;
    case 'imported':
      state.imported = { description: message.description };
      state.prior = [...message.prior];
      state.history = [];
      generated = { points: message.points, categories: message.categories };
      state.scatterUpdates += 1;
      setRunning(false, false);
      redrawScatter();
      redrawCharts();
      setStatus(`Loaded ${message.description}: samples shown, coloured by category (sampling only; Start trains a new model).`);
      return;
    case 'error':
      state.errors.push(`${message.request}: ${message.message}`);
      setStatus(`${message.request} failed: ${message.message}`, true);
      if (message.request === 'train') setRunning(false, true);
      return;
  }
}

function startWorker(backend: BackendChoice): void {
  worker?.terminate();
  state.backend = '';
  ui.backend.textContent = 'starting…';
  ui.backend.dataset.backend = '';
  setRunning(false, false);
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (event: MessageEvent<Response>) => onMessage(event.data));
  worker.addEventListener('error', (event) => setStatus(`The training worker failed: ${event.message}`, true));
  send({ type: 'init', backend });
}

function guarded(action: () => void): () => void {
  return () => {
    try {
      action();
    } catch (error) {
      setStatus(error instanceof Error ? error.message : String(error), true);
    }
  };
}

/** The selected files: a downloaded playground run (continues training) or a CLI run's generator (sampling only). */
async function readModelFiles(files: FileList): Promise<Request> {
  const byName = new Map(Array.from(files, (file) => [file.name, file]));
  const need = (name: string, because: string): File => {
    const file = byName.get(name);
    if (file === undefined) throw new Error(`Load files: ${because} needs ${name} too (selected: ${Array.from(byName.keys()).join(', ') || 'no files'})`);
    return file;
  };
  if (byName.has('playground-run.json') || byName.has('playground-run.bin')) {
    const json = JSON.parse(await need('playground-run.json', 'a playground run').text()) as Omit<SavedRun, 'weights'>;
    return { type: 'load-run', run: { ...json, weights: await need('playground-run.bin', 'a playground run').arrayBuffer() } };
  }
  const generator: CliModelFiles = {
    modelJson: await need('model.json', 'a generator').text(),
    weights: await need('weights.bin', 'a generator').arrayBuffer(),
    summary: await need('summary.json', "a generator (its run's P(C))").text(),
    config: await byName.get('config.json')?.text(),
  };
  return { type: 'import-cli', files: generator };
}

function bindScatterEditing(): void {
  let dragging = -1;
  const hit = (event: MouseEvent): number => {
    const rect = ui.scatter.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * ui.scatter.width;
    const py = ((event.clientY - rect.top) / rect.height) * ui.scatter.height;
    return mixture.centers.findIndex((center) => {
      const [cx, cy] = toCanvas(ui.scatter, center[0], center[1]);
      return Math.hypot(cx - px, cy - py) < 12;
    });
  };
  const world = (event: MouseEvent): [number, number] => {
    const rect = ui.scatter.getBoundingClientRect();
    return toWorld(ui.scatter, ((event.clientX - rect.left) / rect.width) * ui.scatter.width, ((event.clientY - rect.top) / rect.height) * ui.scatter.height);
  };
  ui.scatter.addEventListener('mousedown', (event) => {
    dragging = hit(event);
    selected = dragging;
    redrawScatter();
  });
  ui.scatter.addEventListener('mousemove', (event) => {
    if (dragging < 0) return;
    const [x, y] = world(event);
    mixture.centers[dragging] = [Number(x.toFixed(2)), Number(y.toFixed(2))];
    real = sampleReal(1500);
    redrawScatter();
  });
  window.addEventListener('mouseup', () => {
    if (dragging >= 0) mixtureChanged();
    dragging = -1;
  });
  ui.scatter.addEventListener('dblclick', (event) => {
    if (hit(event) >= 0) return;
    const [x, y] = world(event);
    mixture.centers.push([Number(x.toFixed(2)), Number(y.toFixed(2))]);
    mixture.weights.push(0.25);
    mixtureChanged();
  });
}

function main(): void {
  const { config, backend } = configFromUrl();
  showConfig(config);
  ui.backendChoice.value = backend;
  real = sampleReal(1500);
  renderComponents();
  redrawScatter();
  bindScatterEditing();
  ui.recipe.addEventListener('change', () => enableVcaganFields(ui.recipe.value));
  ui.recentre.addEventListener('change', () => enableVcaganFields(ui.recipe.value));
  ui.std.addEventListener('change', guarded(() => {
    const std = numberField(ui.std, 'σ', false);
    if (std <= 0) throw new RangeError(`σ: expected > 0, got ${std}`);
    mixture.std = std;
    mixtureChanged();
  }));
  ui.addComponent.addEventListener('click', () => {
    mixture.centers.push([0, 0]);
    mixture.weights.push(0.25);
    mixtureChanged();
  });
  ui.start.addEventListener('click', guarded(() => {
    state.imported = null;
    send({ type: 'start', config: readConfig() });
    setRunning(true, true);
  }));
  ui.pause.addEventListener('click', () => send({ type: 'pause' }));
  ui.resume.addEventListener('click', () => {
    setStatus(mixtureDirty ? 'Resumed the same run on its original mixture; Reset to train on the edited one.' : 'Resumed: training continues the same run.');
    send({ type: 'resume' });
    setRunning(true, true);
  });
  ui.reset.addEventListener('click', guarded(() => send({ type: 'reset', config: readConfig() })));
  ui.save.addEventListener('click', () => send({ type: 'save' }));
  ui.restore.addEventListener('click', () => send({ type: 'restore' }));
  ui.download.addEventListener('click', () => send({ type: 'export' }));
  ui.loadFiles.addEventListener('change', () => {
    const files = ui.loadFiles.files;
    if (files === null || files.length === 0) return;
    state.imported = null;
    state.restored = null;
    readModelFiles(files)
      .then((request) => send(request))
      .catch((error: unknown) => setStatus(error instanceof Error ? error.message : String(error), true));
  });
  ui.backendChoice.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('backend', ui.backendChoice.value);
    history.replaceState(null, '', url);
    startWorker(ui.backendChoice.value as BackendChoice);
  });
  startWorker(backend);
}

declare global {
  interface Window {
    /** For the console and the e2e tests: a copy of what the page knows. */
    gantryPlayground: {
      state: () => typeof state;
      /** The cheap part of the state, without the history: for polling. */
      summary: () => { backend: string; running: boolean; step: number; stepsPerSecond: number; errors: string[] };
      categoryColour: typeof categoryColour;
    };
  }
}
window.gantryPlayground = {
  state: () => structuredClone(state),
  summary: () => ({ backend: state.backend, running: state.running, step: state.step, stepsPerSecond: state.stepsPerSecond, errors: [...state.errors] }),
  categoryColour,
};

try {
  main();
} catch (error) {
  setStatus(error instanceof Error ? error.message : String(error), true);
}
