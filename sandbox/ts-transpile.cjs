// TypeScript → JavaScript for the sandbox's `typescript` language: transpile only, no type check (as
// SandboxFusion's tsx does), CommonJS with esModuleInterop so `import _ from "lodash"` and
// `import util from "util"` work. Usage: node ts-transpile.cjs IN.ts OUT.js; syntax errors exit 1.
'use strict';
const fs = require('fs');
const ts = require('typescript');

const [input, output] = process.argv.slice(2);
const source = fs.readFileSync(input, 'utf8');
const result = ts.transpileModule(source, {
  fileName: input,
  reportDiagnostics: true,
  compilerOptions: {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2020,
    esModuleInterop: true,
    sourceMap: false,
  },
});
const errors = (result.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
if (errors.length) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnostics(errors, host));
  process.exit(1);
}
fs.writeFileSync(output, result.outputText);
