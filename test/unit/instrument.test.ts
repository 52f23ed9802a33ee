import { describe, expect, it } from 'vitest';
import {
  compose,
  instrument,
  retry,
  type Attempted,
  type Call,
  type CallProbe,
  type CallTelemetry,
  type Send,
} from '../../src/upstream/policies.js';

// The telemetry policy: a probe sees each call once, from outside its retries.
const answer = (status: number, headers: Record<string, string> = {}): Attempted => ({
  exchange: { kind: 'answer', status, headers, body: new Uint8Array(0) },
});

function call(): Call {
  return {
    service: 'identitynow',
    operation: 'getOauthClient',
    request: { origin: 'http://127.0.0.1:9', path: '/x', method: 'GET', headers: { accept: 'application/json' } },
    idempotent: true,
    deadline: Date.now() + 10_000,
    dispatchBy: Date.now() + 10_000,
    retries: 0,
    renewed: false,
  };
}

function recorder(headers?: Record<string, string>) {
  const events: string[] = [];
  const telemetry: CallTelemetry = {
    start: (c): CallProbe => {
      events.push(`start ${c.operation}`);
      return {
        ...(headers ? { headers } : {}),
        retried: (info) =>
          events.push(`retry ${info.retry} after ${info.exchange.kind === 'answer' ? info.exchange.status : info.exchange.kind}`),
        ended: (ended, attempted) =>
          events.push(`end ${attempted?.exchange.kind === 'answer' ? attempted.exchange.status : 'thrown'} after ${ended.retries} retries`),
      };
    },
  };
  return { events, telemetry };
}

const policy = { retries: 2, backoffMs: 0, maxRetryAfterMs: 5_000 };

describe('instrument', () => {
  it.each<[string, number[], string[]]>([
    ['an answer at once', [200], ['start getOauthClient', 'end 200 after 0 retries']],
    ['a 503, then a 200', [503, 200], ['start getOauthClient', 'retry 1 after 503', 'end 200 after 1 retries']],
    [
      '503 until retries run out',
      [503, 503, 503],
      ['start getOauthClient', 'retry 1 after 503', 'retry 2 after 503', 'end 503 after 2 retries'],
    ],
  ])('%s: one start, one end, each retry between', async (_what, statuses, expected) => {
    const { events, telemetry } = recorder();
    const answers = [...statuses];
    const wire: Send = async () => answer(answers.shift()!);
    await compose(
      instrument(telemetry),
      retry(policy, () => {}),
    )(wire)(call());
    expect(events).toEqual(expected);
  });

  it('every attempt carries the probe’s headers, beside the call’s own', async () => {
    const { telemetry } = recorder({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const sent: Array<Record<string, string>> = [];
    const answers = [503, 200];
    const wire: Send = async (c) => {
      sent.push(c.request.headers);
      return answer(answers.shift()!);
    };
    await compose(
      instrument(telemetry),
      retry(policy, () => {}),
    )(wire)(call());
    expect(sent).toHaveLength(2);
    for (const headers of sent) expect(headers).toEqual({ accept: 'application/json', traceparent: expect.stringMatching(/^00-/) });
  });

  it('a call that throws still ends, with no answer', async () => {
    const { events, telemetry } = recorder();
    const wire: Send = async () => {
      throw new Error('no credential');
    };
    await expect(compose(instrument(telemetry))(wire)(call())).rejects.toThrow('no credential');
    expect(events).toEqual(['start getOauthClient', 'end thrown after 0 retries']);
  });

  it('two telemetries each see the call, the outer one first', async () => {
    const outer = recorder();
    const inner = recorder();
    await compose(instrument(outer.telemetry), instrument(inner.telemetry))(async () => answer(204))(call());
    expect(outer.events).toEqual(['start getOauthClient', 'end 204 after 0 retries']);
    expect(inner.events).toEqual(outer.events);
  });
});
