// Tests that spawn `node bin/rl.js` or worker threads run compiled code: build dist/ once before the suite.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env.RL_TEST_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
