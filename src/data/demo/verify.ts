// The demo's validity check: every correct solution passes all its tests, every wrong one fails at least one
// (even under a lenient comparison), all programs run in one python3 process.
import type { Problem } from '../problem.js';
import { runPythonBatch, sameOutputLenient, sameOutputStrict, type PythonJob } from './python.js';

export interface VerifyReport {
  /** Program runs performed (solutions × tests). */
  runs: number;
  /** One line per violation; empty when the dataset is valid. */
  failures: string[];
}

export function verifySolutions(problems: Problem[]): VerifyReport {
  const jobs: PythonJob[] = [];
  const plan: { problem: Problem; solution: number; firstJob: number }[] = [];
  const failures: string[] = [];
  for (const problem of problems) {
    const stdio = problem.tests.filter((t) => t.type === 'stdio');
    if (stdio.length !== problem.tests.length) failures.push(`${problem.id}: the data check only handles stdio tests`);
    if (!problem.solutions?.some((s) => s.correct)) failures.push(`${problem.id}: no correct solution`);
    (problem.solutions ?? []).forEach((solution, s) => {
      plan.push({ problem, solution: s, firstJob: jobs.length });
      for (const t of stdio) jobs.push({ code: solution.code, stdin: t.stdin });
    });
  }
  const results = runPythonBatch(jobs);
  for (const { problem, solution, firstJob } of plan) {
    const { code, correct } = problem.solutions![solution]!;
    const stdio = problem.tests.flatMap((t) => (t.type === 'stdio' ? [t] : []));
    const outcomes = stdio.map((t, i) => {
      const r = results[firstJob + i]!;
      return { strict: r.error === null && sameOutputStrict(r.stdout, t.stdout), lenient: r.error === null && sameOutputLenient(r.stdout, t.stdout), r };
    });
    if (correct) {
      const bad = outcomes.findIndex((o) => !o.strict);
      if (bad >= 0) {
        const r = outcomes[bad]!.r;
        failures.push(`${problem.id}: correct solution fails test ${bad} (${r.error ?? `got ${JSON.stringify(r.stdout)}`}): ${JSON.stringify(code)}`);
      }
    } else if (outcomes.every((o) => o.lenient)) {
      failures.push(`${problem.id}: wrong solution passes every test: ${JSON.stringify(code)}`);
    }
  }
  return { runs: jobs.length, failures };
}
