/*
 * `node -r ./ts-require.cjs`: lets a child process require this repository's TypeScript sources
 * (extensionless relative imports included) by transpiling each file to CommonJS as it loads.
 * For tests that must run the probe in a process of its own without a build.
 */
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      verbatimModuleSyntax: false,
    },
  });
  module._compile(outputText, filename);
};
