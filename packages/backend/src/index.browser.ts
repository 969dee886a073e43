// The browser build of @gantry/backend (the `default` export condition): no Node built-ins.
import { installPlatform } from './platform.js';
import { browserPlatform } from './platform-browser.js';

installPlatform(browserPlatform);

export * from './index.js';
