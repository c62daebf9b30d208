// The demo's problem families. Each family is one short prompt template with a numeric parameter k that the
// solution must copy, one correct one- or two-line solution and one or two plausible wrong variants that
// branch from it at the same spot (a wrong operator, an off-by-one comparison or index, a missing conversion).
// A tiny character-level policy can learn the template→code mapping; RL then has to pick the right branch.
import { randInt, type Rng } from '../rng.js';

export interface Family {
  name: string;
  /** The user message (≤ 90 characters). */
  prompt(k: number): string;
  /** Candidate parameter values; the generator draws train and held-out values from here without overlap. */
  kPool: number[];
  correct(k: number): string;
  wrong: ((k: number) => string)[];
  /** stdin of each test (3–5); includes the edge cases that expose the wrong variants. */
  inputs(k: number, rng: Rng): string[];
}

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const ints = (rng: Rng, count: number, lo: number, hi: number): number[] =>
  Array.from({ length: count }, () => randInt(rng, lo, hi));
const line = (...values: (number | string)[]): string => values.join(' ') + '\n';
const word = (rng: Rng, length: number): string =>
  Array.from({ length }, () => String.fromCharCode(97 + randInt(rng, 0, 25))).join('');

/** A list of 5–7 small integers; `mustContain` is placed at a random position (for >= vs > bugs). */
function intList(rng: Rng, lo: number, hi: number, mustContain?: number): number[] {
  const values = ints(rng, randInt(rng, 5, 7), lo, hi);
  if (mustContain !== undefined) values[randInt(rng, 0, values.length - 1)] = mustContain;
  return values;
}

const READ_N = 'n=int(input())\n';
// Single-digit parameters: a tiny character-level model learns to copy one digit from the prompt reliably;
// held-out problems use digits this family did not see in training (but other families did).
const DIGITS = range(2, 9);
const READ_LIST = 'a=map(int,input().split())\n'; // an iterator suffices: each solution reads it once
const READ_WORD = 's=input()\n';

export const FAMILIES: Family[] = [
  {
    name: 'add_k',
    prompt: (k) => `Read an integer n. Print n plus ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(n+${k})`,
    wrong: [(k) => `${READ_N}print(n-${k})`, (k) => `${READ_N}print(n*${k})`],
    inputs: (_k, rng) => ints(rng, 4, 0, 60).map((n) => line(n)),
  },
  {
    name: 'mul_k',
    prompt: (k) => `Read an integer n. Print n times ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(n*${k})`,
    wrong: [(k) => `${READ_N}print(n+${k})`, (k) => `${READ_N}print(n**${k})`],
    inputs: (_k, rng) => ints(rng, 4, 0, 12).map((n) => line(n)),
  },
  {
    name: 'mod_k',
    prompt: (k) => `Read an integer n. Print the remainder of n divided by ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(n%${k})`,
    wrong: [(k) => `${READ_N}print(n//${k})`],
    inputs: (k, rng) => [line(k * randInt(rng, 2, 6) + randInt(rng, 1, k - 1)), ...ints(rng, 3, 0, 150).map((n) => line(n))],
  },
  {
    name: 'div_k',
    prompt: (k) => `Read an integer n. Print n divided by ${k}, rounded down.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(n//${k})`,
    wrong: [(k) => `${READ_N}print(n/${k})`, (k) => `${READ_N}print(n%${k})`],
    inputs: (k, rng) => [line(k * randInt(rng, 2, 6) + randInt(rng, 1, k - 1)), ...ints(rng, 3, 0, 150).map((n) => line(n))],
  },
  {
    name: 'max_nk',
    prompt: (k) => `Read an integer n. Print the larger of n and ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(max(n,${k}))`,
    wrong: [(k) => `${READ_N}print(min(n,${k}))`],
    inputs: (k, rng) => [line(k - randInt(rng, 1, 10)), line(k + randInt(rng, 1, 10)), ...ints(rng, 2, 0, 80).map((n) => line(n))],
  },
  {
    name: 'gt_yes',
    prompt: (k) => `Read an integer n. Print YES if n is greater than ${k}, else NO.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print("YES" if n>${k} else "NO")`,
    wrong: [(k) => `${READ_N}print("YES" if n>=${k} else "NO")`, (k) => `${READ_N}print("YES" if n<${k} else "NO")`],
    inputs: (k, rng) => [line(k), line(k + randInt(rng, 1, 9)), line(k - randInt(rng, 1, 9)), line(randInt(rng, 0, 80))],
  },
  {
    name: 'div_yes',
    prompt: (k) => `Read an integer n. Print YES if n is divisible by ${k}, else NO.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print("YES" if n%${k}==0 else "NO")`,
    wrong: [(k) => `${READ_N}print("YES" if ${k}%n==0 else "NO")`, (k) => `${READ_N}print("YES" if n%${k}==1 else "NO")`],
    inputs: (k, rng) => [
      line(k * randInt(rng, 2, 6)),
      line(k * randInt(rng, 1, 5) + randInt(rng, 1, k - 1)),
      line(k),
      line(randInt(rng, 1, 100)),
    ],
  },
  {
    name: 'range_sum',
    prompt: (k) => `Read an integer n. Print the sum of all integers from ${k} to n.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(sum(range(${k},n+1)))`,
    wrong: [(k) => `${READ_N}print(sum(range(${k},n)))`],
    inputs: (k, rng) => [line(k), ...ints(rng, 3, k + 1, k + 15).map((n) => line(n))],
  },
  {
    name: 'count_gt',
    prompt: (k) => `Read a list of integers. Print how many are greater than ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(sum(x>${k} for x in a))`,
    wrong: [(k) => `${READ_LIST}print(sum(x>=${k} for x in a))`, (k) => `${READ_LIST}print(sum(x<${k} for x in a))`],
    inputs: (k, rng) => [line(...intList(rng, 0, 40, k)), line(...intList(rng, 0, 40, k)), line(...intList(rng, 0, 40))],
  },
  {
    name: 'sum_gt',
    prompt: (k) => `Read a list of integers. Print the sum of those greater than ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(sum(x for x in a if x>${k}))`,
    wrong: [(k) => `${READ_LIST}print(sum(x for x in a if x>=${k}))`, (k) => `${READ_LIST}print(sum(x for x in a if x<${k}))`],
    inputs: (k, rng) => [line(...intList(rng, 0, 40, k)), line(...intList(rng, 0, 40, k)), line(...intList(rng, 0, 40))],
  },
  {
    name: 'max_times',
    prompt: (k) => `Read a list of integers. Print the maximum times ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(max(a)*${k})`,
    wrong: [(k) => `${READ_LIST}print(min(a)*${k})`, (k) => `${READ_LIST}print(max(a)+${k})`],
    inputs: (_k, rng) => [line(...intList(rng, 0, 30)), line(...intList(rng, 0, 30)), line(...intList(rng, 0, 30))],
  },
  {
    name: 'min_plus',
    prompt: (k) => `Read a list of integers. Print the minimum plus ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(min(a)+${k})`,
    wrong: [(k) => `${READ_LIST}print(max(a)+${k})`, (k) => `${READ_LIST}print(min(a)-${k})`],
    inputs: (_k, rng) => [line(...intList(rng, 0, 30)), line(...intList(rng, 0, 30)), line(...intList(rng, 0, 30))],
  },
  {
    name: 'nth_item',
    prompt: (k) => `Read a list of numbers. Print the number at position ${k} (counting from 1).`,
    kPool: DIGITS,
    correct: (k) => `a=input().split()\nprint(a[${k}-1])`,
    wrong: [(k) => `a=input().split()\nprint(a[${k}])`, (k) => `a=input().split()\nprint(a[-${k}])`],
    inputs: (k, rng) => [0, 1, 2].map(() => line(...ints(rng, k + randInt(rng, 1, 4), 0, 99))),
  },
  {
    name: 'prefix',
    prompt: (k) => `Read a word. Print its first ${k} letters.`,
    kPool: DIGITS,
    correct: (k) => `${READ_WORD}print(s[:${k}])`,
    wrong: [(k) => `${READ_WORD}print(s[${k}:])`, (k) => `${READ_WORD}print(s[:${k}-1])`],
    inputs: (k, rng) => [0, 1, 2].map(() => line(word(rng, k + randInt(rng, 1, 6)))),
  },
  {
    name: 'suffix',
    prompt: (k) => `Read a word. Print its last ${k} letters.`,
    kPool: DIGITS,
    correct: (k) => `${READ_WORD}print(s[-${k}:])`,
    wrong: [(k) => `${READ_WORD}print(s[:-${k}])`, (k) => `${READ_WORD}print(s[${k}:])`],
    inputs: (k, rng) => [0, 1, 2].map(() => line(word(rng, k + randInt(rng, 1, 6)))),
  },
  {
    name: 'len_gt',
    prompt: (k) => `Read a word. Print YES if it has more than ${k} letters, else NO.`,
    kPool: DIGITS,
    correct: (k) => `${READ_WORD}print("YES" if len(s)>${k} else "NO")`,
    wrong: [(k) => `${READ_WORD}print("YES" if len(s)>=${k} else "NO")`, (k) => `${READ_WORD}print("YES" if len(s)<${k} else "NO")`],
    inputs: (k, rng) => [
      line(word(rng, k)),
      line(word(rng, k + randInt(rng, 1, 5))),
      line(word(rng, Math.max(1, k - randInt(rng, 1, 5)))),
      line(word(rng, randInt(rng, 1, 20))),
    ],
  },
  {
    name: 'pair_sum_k',
    prompt: (k) => `Read two integers a and b. Print their sum plus ${k}.`,
    kPool: DIGITS,
    correct: (k) => `a,b=map(int,input().split())\nprint(a+b+${k})`,
    wrong: [(k) => `a,b=input().split()\nprint(a+b+${k})`],
    inputs: (_k, rng) => [0, 1, 2, 3].map(() => line(...ints(rng, 2, 0, 50))),
  },
  {
    name: 'sub_k',
    prompt: (k) => `Read an integer n. Print n minus ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(n-${k})`,
    wrong: [(k) => `${READ_N}print(n+${k})`, (k) => `${READ_N}print(${k}-n)`],
    inputs: (_k, rng) => ints(rng, 4, 10, 60).map((n) => line(n)),
  },
  {
    name: 'min_nk',
    prompt: (k) => `Read an integer n. Print the smaller of n and ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print(min(n,${k}))`,
    wrong: [(k) => `${READ_N}print(max(n,${k}))`],
    inputs: (k, rng) => [line(k - randInt(rng, 1, 2)), line(k + randInt(rng, 1, 10)), ...ints(rng, 2, 0, 30).map((n) => line(n))],
  },
  {
    name: 'lt_yes',
    prompt: (k) => `Read an integer n. Print YES if n is less than ${k}, else NO.`,
    kPool: DIGITS,
    correct: (k) => `${READ_N}print("YES" if n<${k} else "NO")`,
    wrong: [(k) => `${READ_N}print("YES" if n<=${k} else "NO")`, (k) => `${READ_N}print("YES" if n>${k} else "NO")`],
    inputs: (k, rng) => [line(k), line(k + randInt(rng, 1, 9)), line(k - randInt(rng, 1, 2)), line(randInt(rng, 0, 30))],
  },
  {
    name: 'count_lt',
    prompt: (k) => `Read a list of integers. Print how many are less than ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(sum(x<${k} for x in a))`,
    wrong: [(k) => `${READ_LIST}print(sum(x<=${k} for x in a))`, (k) => `${READ_LIST}print(sum(x>${k} for x in a))`],
    inputs: (k, rng) => [line(...intList(rng, 0, 15, k)), line(...intList(rng, 0, 15, k)), line(...intList(rng, 0, 15))],
  },
  {
    name: 'sum_lt',
    prompt: (k) => `Read a list of integers. Print the sum of those less than ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(sum(x for x in a if x<${k}))`,
    wrong: [(k) => `${READ_LIST}print(sum(x for x in a if x<=${k}))`, (k) => `${READ_LIST}print(sum(x for x in a if x>${k}))`],
    inputs: (k, rng) => [line(...intList(rng, 0, 15, k)), line(...intList(rng, 0, 15, k)), line(...intList(rng, 0, 15))],
  },
  {
    name: 'max_plus',
    prompt: (k) => `Read a list of integers. Print the maximum plus ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(max(a)+${k})`,
    wrong: [(k) => `${READ_LIST}print(min(a)+${k})`, (k) => `${READ_LIST}print(max(a)-${k})`],
    inputs: (_k, rng) => [line(...intList(rng, 0, 30)), line(...intList(rng, 0, 30)), line(...intList(rng, 0, 30))],
  },
  {
    name: 'repeat_word',
    prompt: (k) => `Read a word. Print it ${k} times in a row.`,
    kPool: DIGITS,
    correct: (k) => `${READ_WORD}print(s*${k})`,
    wrong: [(k) => `${READ_WORD}print(s[:${k}])`, (k) => `${READ_WORD}print(s+"${k}")`],
    inputs: (_k, rng) => [0, 1, 2].map(() => line(word(rng, randInt(rng, 2, 5)))),
  },
  {
    name: 'sum_plus',
    prompt: (k) => `Read a list of integers. Print their sum plus ${k}.`,
    kPool: DIGITS,
    correct: (k) => `${READ_LIST}print(sum(a)+${k})`,
    wrong: [(k) => `${READ_LIST}print(sum(a)*${k})`, (k) => `${READ_LIST}print(sum(a)-${k})`],
    inputs: (_k, rng) => [line(...intList(rng, 0, 20)), line(...intList(rng, 0, 20)), line(...intList(rng, 0, 20))],
  },
];
