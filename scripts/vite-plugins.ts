import { builtinModules } from 'node:module';

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * Fails a Vite build if our code imports a Node built-in: browser entry points must not.
 * TF.js's own guarded imports (`util` in its Node platform, `crypto` in seedrandom) stay
 * Vite's business: it replaces them with empty browser stubs.
 */
export function forbidNodeBuiltins(): { name: string; enforce: 'pre'; resolveId: (source: string, importer: string | undefined) => null } {
  return {
    name: 'forbid-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (NODE_BUILTINS.has(source) && !(importer ?? '').includes('/node_modules/')) {
        throw new Error(`Node built-in '${source}' imported by ${importer ?? 'the entry'} in a browser bundle`);
      }
      return null;
    },
  };
}
