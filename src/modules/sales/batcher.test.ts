import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

interface Call {
  group: string[];
  finish: () => void;
  fail: (error: Error) => void;
}

/**
 * A Batcher over requests named like "a" or "a:k" (key k). Each run is recorded and stays pending
 * until the test finishes it; a run answers each request with its name in capitals.
 */
function batcher(options: { maxGroup?: number; maxRunning?: number } = {}) {
  const calls: Call[] = [];
  const subject = new Batcher<string, string>({
    run: (group) =>
      new Promise<string[]>((resolve, reject) => {
        calls.push({ group, finish: () => resolve(group.map((name) => name.toUpperCase())), fail: reject });
      }),
    keys: (name) => (name.includes(':') ? [name.split(':')[1]!] : [name]),
    maxGroup: options.maxGroup ?? 10,
    maxRunning: options.maxRunning ?? 1,
  });
  return { calls, subject };
}

/** Lets settled promises' callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('grouping concurrent requests', () => {
  it('runs a request at once when nothing else is running', async () => {
    const { calls, subject } = batcher();
    const answer = subject.submit('a');
    expect(calls.map((call) => call.group)).toEqual([['a']]);
    calls[0]!.finish();
    expect(await answer).toBe('A');
  });

  it('sends the requests that arrived while a group ran together as the next group', async () => {
    const { calls, subject } = batcher();
    const answers = ['a', 'b', 'c', 'd'].map((name) => subject.submit(name));
    expect(calls.map((call) => call.group)).toEqual([['a']]);
    calls[0]!.finish();
    await settle();
    expect(calls.map((call) => call.group)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1]!.finish();
    expect(await Promise.all(answers)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('never puts two requests with one key into a group, or into two groups running at once', async () => {
    const { calls, subject } = batcher({ maxRunning: 2 });
    const answers = ['x:seat', 'y:seat', 'z:other', 'w:seat'].map((name) => subject.submit(name));
    expect(calls.map((call) => call.group)).toEqual([['x:seat'], ['z:other']]);
    calls[1]!.finish();
    await settle();
    expect(calls).toHaveLength(2); // y and w still wait for x's key
    calls[0]!.finish();
    await settle();
    expect(calls.map((call) => call.group).slice(2)).toEqual([['y:seat']]);
    calls[2]!.finish();
    await settle();
    expect(calls.map((call) => call.group).slice(3)).toEqual([['w:seat']]);
    calls[3]!.finish();
    expect(await Promise.all(answers)).toEqual(['X:SEAT', 'Y:SEAT', 'Z:OTHER', 'W:SEAT']);
  });

  it('keeps groups within maxGroup and the longest-waiting requests first', async () => {
    const { calls, subject } = batcher({ maxGroup: 2 });
    const answers = ['a', 'b', 'c', 'd', 'e'].map((name) => subject.submit(name));
    for (let index = 0; index < 3; index++) {
      calls[index]!.finish();
      await settle();
    }
    expect(calls.map((call) => call.group)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    expect(await Promise.all(answers)).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('runs each request of a failed group alone, one after another, so only the cause sees the error', async () => {
    const { calls, subject } = batcher();
    const first = subject.submit('a');
    const answers = ['b', 'bad', 'c'].map((name) => subject.submit(name).catch((error: unknown) => (error as Error).message));
    calls[0]!.finish();
    await settle();
    calls[1]!.fail(new Error('group failed'));
    // One at a time: the next runs only when the last has answered.
    for (const [index, name] of ['b', 'bad', 'c'].entries()) {
      await settle();
      expect(calls.map((call) => call.group).slice(2)).toEqual(['b', 'bad', 'c'].slice(0, index + 1).map((n) => [n]));
      if (name === 'bad') calls[2 + index]!.fail(new Error('bad request'));
      else calls[2 + index]!.finish();
    }
    expect(await first).toBe('A');
    expect(await Promise.all(answers)).toEqual(['B', 'bad request', 'C']);
  });

  it('frees the keys of a failed group', async () => {
    const { calls, subject } = batcher();
    const failed = subject.submit('a:k').catch((error: unknown) => (error as Error).message);
    const next = subject.submit('b:k');
    calls[0]!.fail(new Error('no'));
    expect(await failed).toBe('no');
    await settle();
    expect(calls.map((call) => call.group)).toEqual([['a:k'], ['b:k']]);
    calls[1]!.finish();
    expect(await next).toBe('B:K');
  });
});
