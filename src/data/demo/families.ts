// The demo's problems are compositions: a VALUE read from stdin ("Let x be the largest." → `x=max(a)`) and an
// OPERATION on it ("Print x squared." → `x**2`). A "family" here is one value; its parameter k picks the operation,
// and the generator holds out different operations per value, so every held-out problem is an unseen (value,
// operation) combination of parts that training did show. Each operation has two plausible wrong twins ("squared"
// written `x*2` or `x^2`), so a warm-started policy is imperfect in a way RL can fix.
//
// The program states the operation first, as `f=lambda x:...`, right after the prompt that ends with its words:
// the choice RL sharpens then sits at the same place in every problem, so what RL learns on training problems
// carries over to the held-out combinations. Measured with a ~0.1M-parameter character-level model warm-started
// for 600 steps: the operation line is as often right on held-out as on training problems (0.32 vs 0.31); with
// the operation printed last (`print(x**2)`) it wrote neither the operation nor a twin in 39% of held-out samples
// (22% on training problems): it picked the operation it had seen with that value.
// Value phrases use words, not symbols ("a plus b", not "a+b"): the model does not learn to copy one character
// of the prompt in that time (measured: it wrote the most frequent one whatever the prompt said).
import { randInt, type Rng } from '../rng.js';

export interface Family {
  name: string;
  /** The user message (≤ 90 characters). */
  prompt(k: number): string;
  /** Candidate parameter values (operation indices); train and held-out values are drawn without overlap. */
  kPool: number[];
  correct(k: number): string;
  wrong: ((k: number) => string)[];
  /** stdin of each test (3–5). */
  inputs(k: number, rng: Rng): string[];
}

interface Operation {
  /** The prompt's last sentence: "Print x <words>." */
  words: string;
  right: (v: string) => string;
  /** Exactly two wrong twins (a family's `wrong` list is per family, so every operation supplies the same count). */
  wrong: [(v: string) => string, (v: string) => string];
}

const OPERATIONS: Operation[] = [
  { words: 'doubled', right: (v) => `${v}*2`, wrong: [(v) => `${v}**2`, (v) => `${v}+2`] },
  { words: 'squared', right: (v) => `${v}**2`, wrong: [(v) => `${v}*2`, (v) => `${v}^2`] },
  { words: 'tripled', right: (v) => `${v}*3`, wrong: [(v) => `${v}**3`, (v) => `${v}+3`] },
  { words: 'cubed', right: (v) => `${v}**3`, wrong: [(v) => `${v}*3`, (v) => `${v}^3`] },
  { words: 'plus one', right: (v) => `${v}+1`, wrong: [(v) => `${v}-1`, (v) => `${v}*1`] },
  { words: 'minus one', right: (v) => `${v}-1`, wrong: [(v) => `${v}+1`, (v) => `1-${v}`] },
  { words: 'plus ten', right: (v) => `${v}+10`, wrong: [(v) => `${v}*10`, (v) => `${v}-10`] },
  { words: 'times ten', right: (v) => `${v}*10`, wrong: [(v) => `${v}+10`, (v) => `${v}**10`] },
  { words: 'halved, rounded down', right: (v) => `${v}//2`, wrong: [(v) => `${v}/2`, (v) => `${v}%2`] },
  { words: 'modulo three', right: (v) => `${v}%3`, wrong: [(v) => `${v}//3`, (v) => `3%${v}`] },
  { words: 'modulo ten', right: (v) => `${v}%10`, wrong: [(v) => `${v}//10`, (v) => `10%${v}`] },
  { words: 'divided by ten, rounded down', right: (v) => `${v}//10`, wrong: [(v) => `${v}%10`, (v) => `${v}/10`] },
  { words: 'negated', right: (v) => `-${v}`, wrong: [(v) => `~${v}`, (v) => `abs(${v})`] },
  { words: 'as YES if even, else NO', right: (v) => `"YES" if ${v}%2==0 else "NO"`, wrong: [(v) => `"YES" if ${v}%2 else "NO"`, (v) => `"YES" if ${v}%2==1 else "NO"`] },
  { words: 'as YES if odd, else NO', right: (v) => `"YES" if ${v}%2==1 else "NO"`, wrong: [(v) => `"YES" if ${v}%2==0 else "NO"`, (v) => `"NO" if ${v}%2 else "YES"`] },
  { words: 'as YES if above 20, else NO', right: (v) => `"YES" if ${v}>20 else "NO"`, wrong: [(v) => `"YES" if ${v}<20 else "NO"`, (v) => `"YES" if ${v}>2 else "NO"`] },
];

interface Value {
  name: string;
  /** "Read a list of integers. Let x be their maximum." — "Print x <operation words>." follows. */
  phrase: string;
  /** Lines that read stdin and set x, ending with a newline. */
  setup: string;
  inputs(rng: Rng): string[];
}

const line = (...values: (number | string)[]): string => values.join(' ') + '\n';
const ints = (rng: Rng, count: number, lo: number, hi: number): number[] => Array.from({ length: count }, () => randInt(rng, lo, hi));
const word = (rng: Rng, length: number): string => Array.from({ length }, () => String.fromCharCode(97 + randInt(rng, 0, 25))).join('');
const lists = (rng: Rng, lo: number, hi: number) => [0, 1, 2, 3].map(() => line(...ints(rng, randInt(rng, 3, 7), lo, hi)));
const pairs = (rng: Rng, lo: number, hi: number) => [0, 1, 2, 3].map(() => line(...ints(rng, 2, lo, hi)));

const READ_LIST = 'a=list(map(int,input().split()))\n';
const READ_PAIR = 'a,b=map(int,input().split())\n';
const LIST = 'Read a list of integers.';
const PAIR = 'Read two integers a and b.';

const VALUES: Value[] = [
  { name: 'n', phrase: 'Read an integer x.', setup: 'x=int(input())\n', inputs: (rng) => ints(rng, 4, 3, 60).map((n) => line(n)) },
  { name: 'sum', phrase: `${LIST} Let x be their sum.`, setup: `${READ_LIST}x=sum(a)\n`, inputs: (rng) => lists(rng, 1, 15) },
  { name: 'max', phrase: `${LIST} Let x be the largest.`, setup: `${READ_LIST}x=max(a)\n`, inputs: (rng) => lists(rng, 1, 40) },
  { name: 'min', phrase: `${LIST} Let x be the smallest.`, setup: `${READ_LIST}x=min(a)\n`, inputs: (rng) => lists(rng, 3, 40) },
  { name: 'count', phrase: `${LIST} Let x be their count.`, setup: `${READ_LIST}x=len(a)\n`, inputs: (rng) => lists(rng, 1, 9) },
  { name: 'first', phrase: `${LIST} Let x be the first.`, setup: `${READ_LIST}x=a[0]\n`, inputs: (rng) => lists(rng, 3, 40) },
  { name: 'last', phrase: `${LIST} Let x be the last.`, setup: `${READ_LIST}x=a[-1]\n`, inputs: (rng) => lists(rng, 3, 40) },
  { name: 'len', phrase: 'Read a word. Let x be its length.', setup: 'x=len(input())\n', inputs: (rng) => [0, 1, 2, 3].map(() => line(word(rng, randInt(rng, 3, 25)))) },
  { name: 'add', phrase: `${PAIR} Let x be a plus b.`, setup: `${READ_PAIR}x=a+b\n`, inputs: (rng) => pairs(rng, 2, 30) },
  { name: 'mul', phrase: `${PAIR} Let x be a times b.`, setup: `${READ_PAIR}x=a*b\n`, inputs: (rng) => pairs(rng, 2, 12) },
  { name: 'diff', phrase: `${PAIR} Let x be a minus b.`, setup: `${READ_PAIR}x=a-b\n`, inputs: (rng) => [0, 1, 2, 3].map(() => { const b = randInt(rng, 2, 20); return line(b + randInt(rng, 3, 30), b); }) },
  { name: 'big', phrase: `${PAIR} Let x be the larger.`, setup: `${READ_PAIR}x=max(a,b)\n`, inputs: (rng) => pairs(rng, 3, 40) },
  { name: 'small', phrase: `${PAIR} Let x be the smaller.`, setup: `${READ_PAIR}x=min(a,b)\n`, inputs: (rng) => pairs(rng, 3, 40) },
];

/** The operation comes first, as a lambda, so it is written right after the prompt that names it. */
const program = (op: (x: string) => string, v: Value): string => `f=lambda x:${op('x')}\n${v.setup}print(f(x))`;

function family(v: Value): Family {
  return {
    name: v.name,
    prompt: (k) => `${v.phrase} Print x ${OPERATIONS[k]!.words}.`,
    kPool: OPERATIONS.map((_, i) => i),
    correct: (k) => program(OPERATIONS[k]!.right, v),
    wrong: [0, 1].map((w) => (k: number) => program(OPERATIONS[k]!.wrong[w]!, v)),
    inputs: (_k, rng) => v.inputs(rng),
  };
}

export const FAMILIES: Family[] = VALUES.map(family);
export const DEMO_OPERATIONS = OPERATIONS.map((o) => o.words);
