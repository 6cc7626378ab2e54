// The service benchmark's file check: it accepts a write log that holds
// each client's writes in order (the ones still unanswered may be missing)
// and reports a log that lost, repeated, reordered or damaged a write.
import { describe, expect, it } from 'vitest';
import type { KvClient } from '../../tools/bench-service/kv-client.js';
import type { Writes } from '../../tools/bench-service/load.js';
import { checkLog } from '../../tools/bench-service/log-check.js';

/** A stand-in for the guest's service that answers LOG from `log`, 7 bytes at a time. */
function serving(log: string): KvClient {
  const bytes = Buffer.from(log, 'latin1');
  return {
    request: async (line: string) => {
      const offset = Number(/^LOG (\d+)$/.exec(line)![1]);
      return `LOG ${bytes.length} ${bytes.subarray(offset, offset + 7).toString('hex')}`;
    },
  } as unknown as KvClient;
}

function writes(): Map<string, Writes> {
  return new Map([
    ['p0', { lines: ['SET p0:0 0', 'SET p0:1 2', 'SET p0:2 4'], acked: 2 }],
    ['n7', { lines: ['SET n7 v7', 'DEL n7'], acked: 2 }],
  ]);
}

const problems = async (log: string) => (await checkLog(serving(log), writes())).problems;

describe('the write log check', () => {
  it('accepts each client\'s writes in its order, interleaved in any way, with unanswered ones present or not', async () => {
    expect(await problems('SET p0:0 0\nSET n7 v7\nSET p0:1 2\nDEL n7\n')).toEqual([]);
    const report = await checkLog(serving('SET n7 v7\nSET p0:0 0\nDEL n7\nSET p0:1 2\nSET p0:2 4\n'), writes());
    expect(report).toMatchObject({ entries: 5, writers: 2, problems: [] });
  });

  it('reports an acknowledged write that is missing', async () => {
    expect(await problems('SET p0:0 0\nSET n7 v7\nDEL n7\n')).toEqual(['p0: 2 write(s) acknowledged, 1 in the log']);
  });

  it('reports a write logged twice, out of order, or never sent', async () => {
    expect(await problems('SET p0:0 0\nSET p0:0 0\nSET p0:1 2\nSET n7 v7\nDEL n7\n')).toHaveLength(1);
    expect(await problems('SET p0:1 2\nSET p0:0 0\nSET n7 v7\nDEL n7\n')).not.toEqual([]);
    expect(await problems('SET p0:0 0\nSET p0:1 2\nSET n7 v7\nDEL n7\nSET p9:0 0\n')).toEqual([expect.stringMatching(/line 5 "SET p9:0 0" is not the next write/)]);
  });

  it('reports damaged bytes: a zeroed block, a torn last line', async () => {
    const good = 'SET p0:0 0\nSET p0:1 2\nSET n7 v7\nDEL n7\n';
    expect(await problems(`${good.slice(0, 11)}${'\0'.repeat(11)}${good.slice(22)}`)).not.toEqual([]);
    expect(await problems(`${good}SET p0:2`)).toContain('the log ends inside a line');
  });

  it('reports a guest that does not answer with its log', async () => {
    const broken = { request: async () => 'ERROR no log (kvserver --log FILE)' } as unknown as KvClient;
    expect((await checkLog(broken, writes())).problems).toEqual(['the guest did not answer LOG with its log']);
  });
});
