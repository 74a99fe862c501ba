// @ts-check
/*
 * The layers of src/, lowest first (docs/ARCHITECTURE.md, "Layers"): a module imports modules of
 * its own layer and of lower ones, never of a higher one, so every arrow points down the pipeline.
 * A name ending in `/` is a folder of src/, any other a file of src/ (`config` is src/config.ts,
 * `config/` the folder). Modules of a layer marked `apart` import none of each other either.
 * eslint.config.mjs turns this into one `no-restricted-imports` rule per module.
 */
export const LAYERS = [
  { name: 'bytes', modules: ['version', 'json/', 'sse/', 'http/'] },
  { name: 'wire', modules: ['wire/'] },
  { name: 'pricing', modules: ['pricing/'] },
  { name: 'call', modules: ['call/'] },
  { name: 'observers', modules: ['hook/', 'telemetry/'], apart: true },
  { name: 'config', modules: ['config/'] },
  { name: 'probe', modules: ['probe/'] },
  {
    name: 'instrumentation',
    modules: ['types', 'config', 'user-hooks', 'active-config', 'calls-in-flight', 'instrumentation'],
  },
  { name: 'composition', modules: ['sdk/', 'register', 'cli', 'index'] },
];

/** @param {string} text */
const escape = text => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The import specifiers (relative, as written in `from`) by which a file of module `from` reaches module `to`.
 * @param {string} from
 * @param {string} to
 */
function specifierPattern(from, to) {
  // From a folder's file the root is `../`; from a root file it is `./`.
  const root = from.endsWith('/') ? '\\.\\./' : '\\./';
  const name = escape(to.replace(/\/$/, ''));
  return to.endsWith('/') ? `${root}${name}(?:/.*)?` : `${root}${name}(?:\\.js)?`;
}

/** @param {string} module */
const filesOf = module => (module.endsWith('/') ? [`src/${module}**/*.ts`] : [`src/${module}.ts`]);

/**
 * One flat-config entry per module: `no-restricted-imports` of every module it must not import.
 * @returns {import('eslint').Linter.Config[]}
 */
export function layerRules() {
  return LAYERS.flatMap((layer, rank) => {
    const higher = LAYERS.slice(rank + 1).flatMap(l => l.modules);
    const below = LAYERS.slice(0, rank).flatMap(l => l.name);
    return layer.modules
      .map(module => {
        const siblings = layer.apart ? layer.modules.filter(m => m !== module) : [];
        const forbidden = [...higher, ...siblings];
        const own = siblings.length > 0 ? `itself (not ${siblings.map(m => `src/${m}`).join(', ')})` : 'its own layer';
        const regex = `^(?:${forbidden.map(to => specifierPattern(module, to)).join('|')})$`;
        const message =
          `src/${module} is in layer "${layer.name}": it imports only ${own} and lower layers ` +
          `(${below.join(', ') || 'none'}); dependencies point down (docs/ARCHITECTURE.md, "Layers").`;
        /** @type {import('eslint').Linter.Config} */
        const entry = {
          files: filesOf(module),
          rules: {
            'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
            // no-restricted-imports sees static imports only; `import()` too must point down. A
            // selector's regular expression may hold no `/`: it is written `\x2F`.
            'no-restricted-syntax': [
              'error',
              { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`, message },
            ],
          },
        };
        return forbidden.length > 0 ? [entry] : [];
      })
      .flat();
  });
}
