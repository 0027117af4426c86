import { StatementChain } from './match-writer';

/** A statement that finishes when told to, recording when it started. */
function deferred(log: string[], name: string) {
  let finish!: (value: number) => void;
  let fail!: (err: Error) => void;
  const run = () =>
    new Promise<number>((resolve, reject) => {
      log.push(`start ${name}`);
      finish = (v) => {
        log.push(`end ${name}`);
        resolve(v);
      };
      fail = reject;
    });
  return { run, finish: (v: number) => finish(v), fail: (e: Error) => fail(e) };
}

/** A chain given three statements a, b and c, and the log of when each started and ended. */
function chainOfThree() {
  const log: string[] = [];
  const chain = new StatementChain<number>();
  const [a, b, c] = ['a', 'b', 'c'].map((name) => deferred(log, name));
  for (const s of [a, b, c]) chain.add(s.run);
  return { log, chain, a, b, c };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('StatementChain', () => {
  it('sends each statement once the one before has finished, and gives the results in order', async () => {
    const { log, chain, a, b, c } = chainOfThree();
    await tick();
    expect(log).toEqual(['start a']);
    a.finish(1);
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.finish(2);
    await tick();
    c.finish(3);
    expect(await chain.results()).toEqual([1, 2, 3]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('sends nothing after a failure and throws the failure once every statement has settled', async () => {
    const { log, chain, a, b } = chainOfThree();
    await tick();
    a.finish(1);
    await tick();
    b.fail(new Error('duplicate key'));
    await expect(chain.results()).rejects.toThrow('duplicate key');
    expect(log).toEqual(['start a', 'end a', 'start b']);
  });

  it('has no results without statements', async () => {
    expect(await new StatementChain<number>().results()).toEqual([]);
  });
});
