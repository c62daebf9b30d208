// The demo's problems are compositions: a VALUE read from stdin ("their maximum" → `max(a)`) combined with an
// OPERATION ("squared" → `**2`). A "family" here is one value; its parameter k picks the operation, and the
// generator holds out different operations per value, so every held-out problem is an unseen (value, operation)
// combination of parts that training did show. Each operation has one or two plausible wrong twins ("squared"
// written `*2`, "halved, rounded down" written `/2`), so a warm-started policy is imperfect in a way RL can fix,
// and what RL learns about an operation carries over to the held-out combinations.
//
// Why compositions and not a copied constant: a ~0.1M-parameter character-level model warm-started for a minute
// picks code fragments from keywords reliably, but does not learn to copy an arbitrary digit from the prompt in
// that time (measured: it wrote the most frequent digit whatever the prompt said).
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
  /** Words appended to the value phrase: "Print their maximum <words>." */
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
  /** "Read a list of integers. Print their maximum" — the operation's words follow. */
  phrase: string;
  /** Lines that read stdin, ending with a newline. */
  read: string;
  /** The value as an expression (parenthesised where an operation could bind into it). */
  expr: string;
  inputs(rng: Rng): string[];
}

const line = (...values: (number | string)[]): string => values.join(' ') + '\n';
const ints = (rng: Rng, count: number, lo: number, hi: number): number[] => Array.from({ length: count }, () => randInt(rng, lo, hi));
const word = (rng: Rng, length: number): string => Array.from({ length }, () => String.fromCharCode(97 + randInt(rng, 0, 25))).join('');
const lists = (rng: Rng, lo: number, hi: number) => [0, 1, 2, 3].map(() => line(...ints(rng, randInt(rng, 3, 7), lo, hi)));

const READ_N = 'n=int(input())\n';
const READ_LIST = 'a=list(map(int,input().split()))\n';
const READ_PAIR = 'a,b=map(int,input().split())\n';
const READ_WORD = 's=input()\n';

const VALUES: Value[] = [
  { name: 'n', phrase: 'Read an integer n. Print it', read: READ_N, expr: 'n', inputs: (rng) => ints(rng, 4, 3, 60).map((n) => line(n)) },
  { name: 'sum', phrase: 'Read a list of integers. Print their sum', read: READ_LIST, expr: 'sum(a)', inputs: (rng) => lists(rng, 1, 15) },
  { name: 'max', phrase: 'Read a list of integers. Print their maximum', read: READ_LIST, expr: 'max(a)', inputs: (rng) => lists(rng, 1, 40) },
  { name: 'min', phrase: 'Read a list of integers. Print their minimum', read: READ_LIST, expr: 'min(a)', inputs: (rng) => lists(rng, 3, 40) },
  { name: 'count', phrase: 'Read a list of integers. Print how many there are,', read: READ_LIST, expr: 'len(a)', inputs: (rng) => lists(rng, 1, 9) },
  { name: 'first', phrase: 'Read a list of integers. Print the first one', read: READ_LIST, expr: 'a[0]', inputs: (rng) => lists(rng, 3, 40) },
  { name: 'last', phrase: 'Read a list of integers. Print the last one', read: READ_LIST, expr: 'a[-1]', inputs: (rng) => lists(rng, 3, 40) },
  { name: 'len', phrase: 'Read a word. Print its length', read: READ_WORD, expr: 'len(s)', inputs: (rng) => [0, 1, 2, 3].map(() => line(word(rng, randInt(rng, 3, 25)))) },
  { name: 'add', phrase: 'Read two integers a and b. Print their sum', read: READ_PAIR, expr: '(a+b)', inputs: (rng) => [0, 1, 2, 3].map(() => line(...ints(rng, 2, 2, 30))) },
  { name: 'mul', phrase: 'Read two integers a and b. Print their product', read: READ_PAIR, expr: '(a*b)', inputs: (rng) => [0, 1, 2, 3].map(() => line(...ints(rng, 2, 2, 12))) },
  { name: 'diff', phrase: 'Read two integers a and b. Print a minus b', read: READ_PAIR, expr: '(a-b)', inputs: (rng) => [0, 1, 2, 3].map(() => { const b = randInt(rng, 2, 20); return line(b + randInt(rng, 3, 30), b); }) },
  { name: 'big', phrase: 'Read two integers a and b. Print the larger one', read: READ_PAIR, expr: 'max(a,b)', inputs: (rng) => [0, 1, 2, 3].map(() => line(...ints(rng, 2, 3, 40))) },
  { name: 'small', phrase: 'Read two integers a and b. Print the smaller one', read: READ_PAIR, expr: 'min(a,b)', inputs: (rng) => [0, 1, 2, 3].map(() => line(...ints(rng, 2, 3, 40))) },
];

function family(v: Value): Family {
  return {
    name: v.name,
    prompt: (k) => `${v.phrase} ${OPERATIONS[k]!.words}.`,
    kPool: OPERATIONS.map((_, i) => i),
    correct: (k) => `${v.read}print(${OPERATIONS[k]!.right(v.expr)})`,
    wrong: [0, 1].map((w) => (k: number) => `${v.read}print(${OPERATIONS[k]!.wrong[w]!(v.expr)})`),
    inputs: (_k, rng) => v.inputs(rng),
  };
}

export const FAMILIES: Family[] = VALUES.map(family);
export const DEMO_OPERATIONS = OPERATIONS.map((o) => o.words);
