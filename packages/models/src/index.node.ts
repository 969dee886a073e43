// The Node build: everything in index.ts, plus `file://` saving and loading without tfjs-node.
import { registerFileHandler } from './file-io.js';

registerFileHandler();

export * from './index.js';
