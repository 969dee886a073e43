// The Node build of @gantry/backend (chosen by the `node` export condition).
import { installPlatform } from './platform.js';
import { nodePlatform } from './platform-node.js';

installPlatform(nodePlatform);

export * from './index.js';
