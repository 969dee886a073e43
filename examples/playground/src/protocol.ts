// The messages between the page and the training worker. Plain data only: they cross
// postMessage's structured clone.
import type { PlaygroundConfig } from './config.js';
import type { SavedRun, StepRecord } from './session.js';

export type { StepRecord } from './session.js';

/** The order `'auto'` tries in the browser: WebGPU, then wasm, WebGL, cpu. */
export const AUTO_ORDER = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;

/** What the page may ask for: `'auto'` or one backend by name. */
export const BACKEND_CHOICES = ['auto', ...AUTO_ORDER] as const;

export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** A CLI run's generator, as files: `models/generator/model.json`, its `weights.bin`, the run's `config.json` and `summary.json`. */
export interface CliModelFiles {
  readonly modelJson: string;
  readonly weights: ArrayBuffer;
  /** The run's config.json, when selected: it names the recipe and seed in the description. */
  readonly config: string | undefined;
  readonly summary: string;
}

export type Request =
  | { readonly type: 'init'; readonly backend: BackendChoice }
  | { readonly type: 'start'; readonly config: PlaygroundConfig }
  | { readonly type: 'pause' }
  /** The page drew the last progress message: the worker sends the next one only after this, so a slow page never falls behind. */
  | { readonly type: 'ack' }
  | { readonly type: 'resume' }
  | { readonly type: 'reset'; readonly config: PlaygroundConfig }
  | { readonly type: 'save' }
  | { readonly type: 'restore' }
  /** A run downloaded earlier (playground-run.json + playground-run.bin), to continue. */
  | { readonly type: 'load-run'; readonly run: SavedRun }
  | { readonly type: 'export' }
  | { readonly type: 'import-cli'; readonly files: CliModelFiles };

export interface Progress {
  readonly type: 'progress';
  readonly running: boolean;
  readonly step: number;
  /** Every step since the last progress message, in order. */
  readonly records: readonly StepRecord[];
  readonly prior: readonly number[];
  /** Generated points `[x0, y0, ...]` and their categories. */
  readonly points: Float32Array;
  readonly categories: Int32Array;
  readonly stepsPerSecond: number;
}

export interface BackendReport {
  readonly type: 'backend';
  readonly backend: string;
  readonly reason: string;
  /** Better backends that could not start here, each with why. */
  readonly skipped: readonly { readonly backend: string; readonly reason: string }[];
}

export type Response =
  | BackendReport
  | Progress
  /** A new run was built: by Start (training) or Reset (paused at step 0). */
  | { readonly type: 'started'; readonly config: PlaygroundConfig; readonly running: boolean }
  | { readonly type: 'saved'; readonly step: number; readonly bytes: number }
  | { readonly type: 'restored'; readonly config: PlaygroundConfig; readonly step: number; readonly from: 'indexeddb' | 'files'; readonly history: readonly StepRecord[] }
  | { readonly type: 'exported'; readonly files: readonly { readonly name: string; readonly data: ArrayBuffer | string }[] }
  | { readonly type: 'imported'; readonly description: string; readonly prior: readonly number[]; readonly points: Float32Array; readonly categories: Int32Array }
  | { readonly type: 'error'; readonly request: string; readonly message: string };
