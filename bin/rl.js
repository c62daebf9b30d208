#!/usr/bin/env node
// The `rl` command: runs the compiled CLI (npm run build first).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((e) => {
  console.error(`rl: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
