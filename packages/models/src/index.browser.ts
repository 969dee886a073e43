// The browser build: everything in index.ts; save with TF.js's own `indexeddb://`,
// `localstorage://` and `downloads://` handlers.
export * from './index.js';
