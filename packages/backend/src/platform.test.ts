import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// Only the platform module: this file checks what happens before an entry point installs one.
import { describeError, ensureGradientsRegistered, installPlatform, platform, type Platform } from './platform.js';

const require = createRequire(import.meta.url);

function nodeLike(registerGradients: () => void): Platform {
  return { name: 'node', importModule: undefined, registerGradients, extraCandidates: [], prepareWasmThreads: undefined };
}

describe('the platform', () => {
  it('is missing until an entry point installs one, and says how to import the package', () => {
    expect(() => platform()).toThrow(
      "@gantry/backend was loaded without its environment entry point: import '@gantry/backend' (it resolves to the Node or the browser build), not a file inside the package.",
    );
  });

  it("registers TF.js's gradients once, through the platform, and says when the platform could not", () => {
    // tfjs-core's Node build registers none; nothing in this file has registered them yet.
    expect(tf.getGradient(tf.Abs)).toBeUndefined();
    installPlatform(nodeLike(() => undefined));
    expect(() => ensureGradientsRegistered()).toThrow(
      'TF.js gradient functions are not registered on the node platform; install @tensorflow/tfjs (4.22.x) beside @tensorflow/tfjs-core.',
    );
    let calls = 0;
    installPlatform(
      nodeLike(() => {
        calls += 1;
        require('@tensorflow/tfjs');
      }),
    );
    ensureGradientsRegistered();
    ensureGradientsRegistered();
    expect(calls).toBe(1);
    expect(tf.getGradient(tf.Abs)).toBeDefined();
  });
});

describe('describeError', () => {
  it("gives an error's first line, or a thrown value as String shows it", () => {
    expect(describeError(new Error('first line\nsecond line'))).toBe('first line');
    expect(describeError(new TypeError(''))).toBe('');
    expect(describeError('a string')).toBe('a string');
    expect(describeError(42)).toBe('42');
  });
});
