// SandboxFusion's own runner and isolation cases (its repository's sandbox/tests/runners/test_<lang>.py,
// Apache-2.0), re-expressed as vitest: the same /run_code requests, sent over real HTTP to our server on
// the Docker provider, with the same assertions (plus a check that each answer parses as its
// RunCodeResponse model). Left out: test_isolation_network_external_access, which expects the internet
// to be reachable; our sandbox blocks all network by design (hostile.test.ts checks that it does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.js';
import { dockerReady } from './docker-env.js';

interface CommandRunResult {
  status: 'Finished' | 'Error' | 'TimeLimitExceeded';
  execution_time: number | null;
  return_code: number | null;
  stdout: string | null;
  stderr: string | null;
}
interface Response {
  status: 'Success' | 'Failed' | 'SandboxError';
  message: string;
  compile_result: CommandRunResult | null;
  run_result: CommandRunResult | null;
  executor_pod_name: string | null;
  files: Record<string, string>;
}

/** What pydantic's RunCodeResponse(**json) accepts: the enums, the optional fields' types. */
function expectRunCodeResponse(json: any): asserts json is Response {
  expect(['Success', 'Failed', 'SandboxError']).toContain(json.status);
  expect(typeof json.message).toBe('string');
  expect(json.executor_pod_name === null || typeof json.executor_pod_name === 'string').toBe(true);
  expect(typeof json.files).toBe('object');
  for (const v of Object.values(json.files ?? {})) expect(typeof v).toBe('string');
  for (const r of [json.compile_result, json.run_result]) {
    if (r === null || r === undefined) continue;
    expect(['Finished', 'Error', 'TimeLimitExceeded']).toContain(r.status);
    expect(r.execution_time === null || typeof r.execution_time === 'number').toBe(true);
    expect(r.return_code === null || Number.isInteger(r.return_code)).toBe(true);
    expect(r.stdout === null || typeof r.stdout === 'string').toBe(true);
    expect(r.stderr === null || typeof r.stderr === 'string').toBe(true);
  }
}

const unb64 = (s: string) => Buffer.from(s, 'base64').toString();
/** A random port in SandboxFusion's range 30000..60000. */
const randomPort = () => 30000 + Math.floor(Math.random() * 30001);

describe.skipIf(!dockerReady)('SandboxFusion runner tests against `rl sandbox serve` (Docker)', () => {
  let sb: DockerSandbox;
  let server: SandboxServer;

  beforeAll(async () => {
    sb = await DockerSandbox.create({ concurrency: 2, poolSize: 2 });
    server = await startSandboxServer(sb, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await sb?.close();
  });

  /** POST /run_code; SandboxFusion's tests assert 200 first, then parse the body. */
  async function run(request: Record<string, unknown>): Promise<Response> {
    const res = await fetch(`${server.url}/run_code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const json = await res.json();
    expect(res.status, JSON.stringify(json).slice(0, 500)).toBe(200);
    expectRunCodeResponse(json);
    return json;
  }

  describe('python', () => {
    it('print', async () => {
      const r = await run({ language: 'python', code: 'print(123)', run_timeout: 5 });
      expect(r.status).toBe('Success');
      expect(r.run_result!.stdout!.trim()).toBe('123');
    });
    it('timeout', async () => {
      const r = await run({ language: 'python', code: 'import time; time.sleep(0.2)', run_timeout: 0.1 });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('TimeLimitExceeded');
    });
    it('assertion error', async () => {
      const r = await run({ language: 'python', code: 'assert 1 == 2', run_timeout: 5 });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('AssertionError');
    });
    it('syntax error', async () => {
      const r = await run({ language: 'python', code: 'int a = 1', run_timeout: 5 });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('SyntaxError: invalid syntax');
    });
    it('file read', async () => {
      const r = await run({
        language: 'python',
        code: 'print(open("dir1/dir2/dir3/secret_flag").read())',
        run_timeout: 5,
        files: { 'dir1/dir2/dir3/secret_flag': 'ImhlbGxvLCB0aGlzIGlzIGEgdGVzdCI=' },
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toContain('hello, this is a test');
    });
    it('stdin', async () => {
      const r = await run({ language: 'python', code: 'print(int(input()))', run_timeout: 5, stdin: '65535' });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
    it('fetch files (relative and absolute /mnt)', async () => {
      const r = await run({
        language: 'python',
        code: 'open("a.txt", "w").write("secret"); open("/mnt/b", "w").write("sauce");',
        run_timeout: 5,
        fetch_files: ['a.txt', '/mnt/b'],
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(unb64(r.files['a.txt'])).toBe('secret');
      expect(unb64(r.files['/mnt/b'])).toBe('sauce');
    });
  });

  describe('cpp', () => {
    it('print', async () => {
      const r = await run({
        language: 'cpp',
        code: '\n    #include <iostream>\n\n    int main() {\n        std::cout << "123" << std::endl;\n        return 0;\n    }\n    ',
        run_timeout: 5,
      });
      expect(r.status).toBe('Success');
      expect(r.compile_result!.status).toBe('Finished');
      expect(r.run_result!.stdout!.trim()).toBe('123');
    });
    it('timeout', async () => {
      const r = await run({
        language: 'cpp',
        code:
          '\n    #include <iostream>\n    #include <chrono>\n    #include <thread>\n\n    int main() {\n' +
          '        std::this_thread::sleep_for(std::chrono::milliseconds(1000));\n        return 0;\n    }\n    ',
        run_timeout: 0.5,
        compile_timeout: 5,
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('TimeLimitExceeded');
    });
    it('assertion error', async () => {
      const r = await run({
        language: 'cpp',
        code: '\n    #include <iostream>\n    #include <cassert>\n\n    int main() {\n        assert(1 == 2);\n        return 0;\n    }\n    ',
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('Assertion');
    });
    it('compile error', async () => {
      const r = await run({ language: 'cpp', code: '\n    int main() {\n        object i = ?;\n        return 0;\n    }\n    ' });
      expect(r.status).toBe('Failed');
      expect(r.compile_result!.status).toBe('Finished');
      expect(r.compile_result!.return_code).not.toBe(0);
      expect(r.run_result ?? null).toBeNull();
    });
    it('stdin', async () => {
      const r = await run({
        language: 'cpp',
        code: '\n    #include <iostream>\n\n    int main() {\n        int num;\n        std::cin >> num;\n        std::cout << num << std::endl;\n        return 0;\n    }\n    ',
        run_timeout: 5,
        stdin: '65535',
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
    it('pthread', async () => {
      const code = `
#include <memory>
#include <queue>
#include <mutex>
#include <condition_variable>
#include <iostream>
#include <thread>
#include <vector>
#include <optional>

template<typename T>
class ThreadSafeQueue {
public:
    ThreadSafeQueue() = default;
    template<class U>
    auto push(U&& val) -> std::enable_if_t<std::is_same<T, typename std::decay<U>::type>::value> {
        std::unique_lock<std::mutex> lock(mutex_);
        queue_.push(std::forward<U>(val));
        cv_.notify_one();
    }
    std::optional<T> pop() {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this]() { return !queue_.empty(); });
        T value = std::move(queue_.front());
        queue_.pop();
        return value;
    }
    bool empty() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return queue_.empty();
    }
private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::queue<T> queue_;
};

void producer(ThreadSafeQueue<int>& queue, int id) {
    for (int i = 0; i < 3; ++i) {
        std::cout << "Producer " << id << " pushing " << i << std::endl;
        queue.push(i);
    }
}
void producer_move(ThreadSafeQueue<std::unique_ptr<int>>& queue, int id) {
    for (int i = 0; i < 3; ++i) {
        std::cout << "Producer " << id << " pushing " << i << std::endl;
        queue.push(std::move(std::make_unique<int>(i)));
    }
}
void consumer(ThreadSafeQueue<int>& queue, int id) {
    for (int i = 0; i < 3; ++i) {
        auto value = queue.pop();
        std::cout << "Consumer " << id << " popped " << *value << std::endl;
    }
}
void consumer_move(ThreadSafeQueue<std::unique_ptr<int>>& queue, int id) {
    for (int i = 0; i < 3; ++i) {
        auto value = queue.pop();
        std::cout << "Consumer " << id << " popped " << *(*value) << std::endl;
    }
}
int main() {
    {
        ThreadSafeQueue<int> queue;
        std::thread producer1(producer, std::ref(queue), 1);
        std::thread producer2(producer, std::ref(queue), 2);
        std::thread consumer1(consumer, std::ref(queue), 1);
        std::thread consumer2(consumer, std::ref(queue), 2);
        producer1.join(); producer2.join(); consumer1.join(); consumer2.join();
    }
    {
        ThreadSafeQueue<std::unique_ptr<int>> queue;
        std::thread producer1(producer_move, std::ref(queue), 1);
        std::thread producer2(producer_move, std::ref(queue), 2);
        std::thread consumer1(consumer_move, std::ref(queue), 1);
        std::thread consumer2(consumer_move, std::ref(queue), 2);
        producer1.join(); producer2.join(); consumer1.join(); consumer2.join();
    }
    return 0;
}
    `;
      const r = await run({ language: 'cpp', code, run_timeout: 2 });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
    });
  });

  describe('nodejs', () => {
    it('print', async () => {
      const r = await run({ language: 'nodejs', code: 'console.log(123)', run_timeout: 5 });
      expect(r.status).toBe('Success');
      expect(r.run_result!.stdout!.trim()).toBe('123');
    });
    it('timeout', async () => {
      const r = await run({
        language: 'nodejs',
        code:
          "\n    const util = require('util');\n    const sleep = util.promisify(setTimeout);\n\n" +
          '    async function main() {\n        await sleep(1000);\n    }\n\n    main();\n                             ',
        run_timeout: 0.1,
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('TimeLimitExceeded');
    });
    it('assertion error', async () => {
      const r = await run({ language: 'nodejs', code: "\n    const assert = require('assert');\n    assert.strictEqual(1, 2, '1 !== 2');\n    " });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('AssertionError');
    });
    it('humanevalx assertion error (console.assert does not fail the run)', async () => {
      const r = await run({ language: 'nodejs', code: 'console.assert(1 === 2);' });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('Assertion failed');
    });
    it('lodash dependency', async () => {
      const r = await run({
        language: 'nodejs',
        code: '\n    const _ = require("lodash");\n    const assert = require(\'assert\');\n\n    assert(_.isEqual(1, 1))\n                             ',
        run_timeout: 5,
      });
      expect(r.status, JSON.stringify(r.run_result)).toBe('Success');
    });
    it('stdin', async () => {
      const r = await run({
        language: 'nodejs',
        code:
          "\n    process.stdin.on('data', (input) => {\n        const num = parseInt(input.toString());\n" +
          '        console.log(num);\n        process.exit();\n    });\n                             ',
        run_timeout: 5,
        stdin: '65535',
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
  });

  describe('typescript', () => {
    it('print', async () => {
      const r = await run({ language: 'typescript', code: 'console.log(123)', run_timeout: 5 });
      expect(r.status, JSON.stringify(r)).toBe('Success');
      expect(r.run_result!.stdout!.trim()).toBe('123');
    });
    it('timeout', async () => {
      const r = await run({
        language: 'typescript',
        code:
          "\n    import util from 'util';\n\n    const sleep = util.promisify(setTimeout);\n\n" +
          '    async function main() {\n        await sleep(200);\n    }\n\n    main();\n                             ',
        run_timeout: 0.1,
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('TimeLimitExceeded');
    });
    it('assertion error', async () => {
      const r = await run({ language: 'typescript', code: '\n    import assert from "assert";\n    assert.strictEqual(1, 2, \'1 !== 2\');\n    ' });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('AssertionError');
    });
    it('humanevalx assertion error', async () => {
      const r = await run({ language: 'typescript', code: 'console.assert(1 === 2);' });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('Assertion failed');
    });
    it('lodash dependency', async () => {
      const r = await run({
        language: 'typescript',
        code: '\n    import _ from "lodash";\n    import assert from "assert";\n\n    assert(_.isEqual(1, 1));\n    console.log(\'done\');\n                             ',
        run_timeout: 5,
      });
      expect(r.status, JSON.stringify(r)).toBe('Success');
    });
    it('stdin', async () => {
      const r = await run({
        language: 'typescript',
        code:
          "\n    process.stdin.on('data', (input: Buffer) => {\n    const num: number = parseInt(input.toString());\n" +
          '    console.log(num);\n    process.exit();\n    });\n                             ',
        run_timeout: 5,
        stdin: '65535',
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
  });

  describe('java', () => {
    it('print', async () => {
      const r = await run({
        language: 'java',
        code: '\n    public class Main {\n        public static void main(String[] args) {\n            System.out.println(123);\n        }\n    }\n    ',
      });
      expect(r.status, JSON.stringify(r)).toBe('Success');
      expect(r.compile_result!.status).toBe('Finished');
      expect(r.run_result!.stdout!.trim()).toBe('123');
    });
    it('compile error', async () => {
      const r = await run({
        language: 'java',
        code: '\n    public class Main {\n        public static void main(String[] args) {\n            System.uto.println(123);\n        }\n    }\n    ',
      });
      expect(r.status).toBe('Failed');
      expect(r.compile_result!.status).toBe('Finished');
      expect(r.compile_result!.return_code).not.toBe(0);
      expect(r.run_result ?? null).toBeNull();
    });
    it('timeout', async () => {
      const r = await run({
        language: 'java',
        code:
          '\n    public class Main {\n        public static void main(String[] args) {\n            try {\n' +
          '                Thread.sleep(200);\n            } catch (InterruptedException e) {\n' +
          '                System.err.println("The sleeping thread was interrupted: " + e.getMessage());\n' +
          '            }\n        }\n    }\n    ',
        run_timeout: 0.1,
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('TimeLimitExceeded');
    });
    it('assertion error', async () => {
      const r = await run({
        language: 'java',
        code:
          '\n    public class Main {\n        public static void main(String[] args) {\n' +
          '            throw new AssertionError("Intentional assertion error");\n        }\n    }\n    ',
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('java.lang.AssertionError');
    });
    it('assert (assertions enabled)', async () => {
      const r = await run({
        language: 'java',
        code: '\n    public class Main {\n        public static void main(String[] args) {\n            assert 1 == 2;\n        }\n    }\n    ',
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
    });
    it('external jar (javatuples)', async () => {
      const r = await run({
        language: 'java',
        code: `
    import org.javatuples.Pair;
    import org.javatuples.Triplet;

    public class Main {
        public static void main(String[] args) {
            Pair<String, Integer> pair = Pair.with("apple", 1);
            String fruit = pair.getValue0();
            Integer quantity = pair.getValue1();
            System.out.println("Fruit: " + fruit + ", Quantity: " + quantity);
            Triplet<String, Integer, Double> triplet = Triplet.with("banana", 2, 0.99);
            String fruitTriplet = triplet.getValue0();
            Integer quantityTriplet = triplet.getValue1();
            Double priceTriplet = triplet.getValue2();
            System.out.println("Fruit: " + fruitTriplet + ", Quantity: " + quantityTriplet + ", Price: " + priceTriplet);
        }
    }
    `,
      });
      expect(r.status, JSON.stringify(r)).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toContain('Fruit: banana, Quantity: 2, Price: 0.99');
    });
    it('stdin', async () => {
      const r = await run({
        language: 'java',
        code:
          '\n    import java.util.Scanner;\n\n    public class Main {\n        public static void main(String[] args) {\n' +
          '            Scanner scanner = new Scanner(System.in);\n            int number = scanner.nextInt();\n' +
          '            System.out.println(number);\n        }\n    }\n                             ',
        run_timeout: 5,
        stdin: '65535',
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
  });

  describe('go', () => {
    it('print', async () => {
      const r = await run({
        language: 'go',
        code: '\n    package main\n\n    import (\n        "fmt"\n    )\n\n    func main() {\n        fmt.Println("123")\n    }\n    ',
      });
      expect(r.status, JSON.stringify(r)).toBe('Success');
      expect(r.compile_result!.status).toBe('Finished');
      expect(r.run_result!.stdout!.trim()).toBe('123');
    });
    it('timeout (compile_timeout 1 s)', async () => {
      const r = await run({
        language: 'go',
        code: '\n    package main\n\n    import (\n        "time"\n    )\n\n    func main() {\n        time.Sleep(200 * time.Millisecond)\n    }\n    ',
        run_timeout: 0.19,
        compile_timeout: 1,
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status, JSON.stringify(r.compile_result)).toBe('TimeLimitExceeded');
    });
    it('stdin', async () => {
      const r = await run({
        language: 'go',
        code: '\n    package main\n\n    import "fmt"\n\n    func main() {\n        var num int\n        fmt.Scan(&num)\n        fmt.Println(num)\n    }\n    ',
        run_timeout: 5,
        stdin: '65535',
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
  });

  describe('rust', () => {
    it('print', async () => {
      const r = await run({ language: 'rust', code: '\n    fn main() {\n        println!("123");\n    }\n    ', run_timeout: 5 });
      expect(r.status, JSON.stringify(r)).toBe('Success');
      expect(r.compile_result!.status).toBe('Finished');
      expect(r.run_result!.stdout!.trim()).toBe('123');
    });
    it('timeout (compile_timeout 1 s)', async () => {
      const r = await run({
        language: 'rust',
        code:
          '\n    use std::{thread, time};\n\n    fn main() {\n        let sleep_duration = time::Duration::from_millis(200);\n' +
          '        thread::sleep(sleep_duration);\n    }\n    ',
        run_timeout: 0.1,
        compile_timeout: 1,
      });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status, JSON.stringify(r.compile_result)).toBe('TimeLimitExceeded');
    });
    it('assertion error', async () => {
      const r = await run({ language: 'rust', code: '\n    fn main() {\n        assert_eq!(1, 2);\n    }\n    ' });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('assertion');
    });
    it('compile error', async () => {
      const r = await run({
        language: 'rust',
        code: '\n    fn main() {\n        let x: u32 = "Hello, world!";\n        println!("{}", x);\n    }\n    ',
      });
      expect(r.status).toBe('Failed');
      expect(r.compile_result!.status).toBe('Finished');
      expect(r.compile_result!.return_code).not.toBe(0);
      expect(r.run_result ?? null).toBeNull();
    });
    it('stdin', async () => {
      const r = await run({
        language: 'rust',
        code:
          '\n    use std::io;\n\n    fn main() {\n        let mut input = String::new();\n' +
          '        io::stdin().read_line(&mut input).expect("Failed to read line");\n\n' +
          '        let num: i32 = input.trim().parse().expect("Invalid input");\n        println!("{}", num);\n    }\n    ',
        stdin: '65535',
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
  });

  describe('bash', () => {
    it('echo', async () => {
      const r = await run({ language: 'bash', code: 'echo "Hello World"', run_timeout: 5 });
      expect(r.status).toBe('Success');
      expect(r.run_result!.stdout!.trim()).toBe('Hello World');
    });
    it('sleep timeout', async () => {
      const r = await run({ language: 'bash', code: 'sleep 0.2', run_timeout: 0.1 });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('TimeLimitExceeded');
    });
    it('false condition', async () => {
      const r = await run({ language: 'bash', code: 'test 1 -eq 2', run_timeout: 5 });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
    });
    it('syntax error', async () => {
      const r = await run({ language: 'bash', code: 'if [', run_timeout: 5 });
      expect(r.status).toBe('Failed');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stderr).toContain('syntax error');
    });
    it('file read', async () => {
      const r = await run({
        language: 'bash',
        code: 'cat dir1/dir2/dir3/secret_flag',
        run_timeout: 5,
        files: { 'dir1/dir2/dir3/secret_flag': 'ImhlbGxvLCB0aGlzIGlzIGEgdGVzdCI=' },
      });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toContain('hello, this is a test');
    });
    it('stdin', async () => {
      const r = await run({ language: 'bash', code: '\n    read input\n    echo $input\n    ', run_timeout: 5, stdin: '65535' });
      expect(r.status).toBe('Success');
      expect(r.run_result!.status).toBe('Finished');
      expect(r.run_result!.stdout).toBe('65535\n');
    });
  });

  describe('pytest', () => {
    // Its word_count module with a test class; FAIL_CODE negates both assertions.
    const testModule = (negate: boolean) => {
      const op = negate ? 'not in' : 'in';
      return `
def word_count(file_path):
    try:
        with open(file_path, 'r', encoding='utf-8') as file:
            content = file.read()
        translator = str.maketrans("", "", string.punctuation)
        content = content.translate(translator).lower()
        words = content.split()
        word_counter = Counter(words)
        sorted_word_count = sorted(word_counter.items(), key=lambda x: x[1], reverse=True)
        for word, count in sorted_word_count:
            print(f"'{word}': {count}")
    except FileNotFoundError:
        print(f"Error: File '{file_path}' not found.")

import string
from collections import Counter


class Testword_count:
    def test_word_count_case_sensitive_file(self, capfd, tmp_path):
        file_path = tmp_path / 'test_case_sensitive.txt'
        with open(file_path, 'w', encoding='utf-8') as file:
            file.write("Case case CASE")
        word_count(file_path)
        captured = capfd.readouterr()
        assert "'case': 3" ${op} captured.out


    def test_word_count_punctuation_file(self, capfd, tmp_path):
        file_path = tmp_path / 'test_punctuation.txt'
        with open(file_path, 'w', encoding='utf-8') as file:
            file.write("This sentence has some punctuation, like commas and periods.")
        word_count(file_path)
        captured = capfd.readouterr()
        assert "'this': 1\\n'sentence': 1\\n'has': 1\\n'some': 1\\n'punctuation': 1\\n'like': 1\\n'commas': 1\\n'and': 1\\n'periods': 1\\n" ${op} captured.out
`;
    };
    it('pass', async () => {
      const asPython = await run({ language: 'python', code: testModule(false), run_timeout: 5 });
      expect(asPython.status).toBe('Success');
      const asPytest = await run({ language: 'pytest', code: testModule(false), run_timeout: 5 });
      expect(asPytest.status, JSON.stringify(asPytest.run_result)).toBe('Success');
      expect(asPytest.run_result!.stdout).toMatch(/2 passed/);
    });
    it('fail', async () => {
      const asPython = await run({ language: 'python', code: testModule(true), run_timeout: 5 });
      expect(asPython.status).toBe('Success');
      const asPytest = await run({ language: 'pytest', code: testModule(true), run_timeout: 5 });
      expect(asPytest.status).toBe('Failed');
      expect(asPytest.run_result!.stdout).toMatch(/2 failed/);
    });
  });

  describe('isolation', () => {
    // A threaded HTTP server inside the program, queried with requests on 127.0.0.1 or localhost.
    const serverProgram = (host: string, port: number, waitS: number) => `
import http.server
import socketserver
import sys
import threading
import requests

class MyHandler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-type', 'text/html')
        self.end_headers()
        self.wfile.write(b'Hello, this is a special string!')

def start_server():
    try:
        PORT = ${port}
        handler = MyHandler
        with socketserver.TCPServer(("", PORT), handler) as httpd:
            httpd.serve_forever()
    except Exception as e:
        print(e)
        sys.exit(1)

server_thread = threading.Thread(target=start_server)
server_thread.daemon = True
server_thread.start()

def test_server_response():
    url = "http://${host}:${port}"
    response = requests.get(url)

    if response.status_code == 200 and "special string" in response.text:
        print("Test Passed: Correct response received.")
    else:
        print("Test Failed: Incorrect response received.")

import time
time.sleep(${waitS})

test_server_response()
`;
    it('network server on 127.0.0.1', async () => {
      const r = await run({ language: 'python', code: serverProgram('127.0.0.1', randomPort(), 1), run_timeout: 5 });
      expect(r.status, JSON.stringify(r.run_result)).toBe('Success');
      expect(r.run_result!.stdout).toContain('Test Passed');
    });
    it('network server on localhost', async () => {
      const r = await run({ language: 'python', code: serverProgram('localhost', randomPort(), 1), run_timeout: 5 });
      expect(r.status, JSON.stringify(r.run_result)).toBe('Success');
      expect(r.run_result!.stdout).toContain('Test Passed');
    });
    it('two programs on the same port at once do not conflict', async () => {
      const request = { language: 'python', code: serverProgram('127.0.0.1', randomPort(), 2), run_timeout: 6 };
      const results = await Promise.all([run(request), run(request)]);
      for (const r of results) {
        expect(r.status, JSON.stringify(r.run_result)).toBe('Success');
        expect(r.run_result!.stdout).toContain('Test Passed');
      }
    });
  });
});
