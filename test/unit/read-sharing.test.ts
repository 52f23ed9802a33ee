import { describe, expect, it } from 'vitest';
import type { Attempted, Call, Send } from '../../src/upstream/policies.js';
import { coalesce, readCache, RESOURCE_TREE, resourcePath, type ReadsChangedBy } from '../../src/upstream/read-sharing.js';

const ORIGIN = 'http://vendor.test';

function call(
  method: 'GET' | 'PATCH' | 'POST' | 'DELETE',
  path: string,
  secret = 'credential-a',
  headers: Record<string, string> = {},
): Call {
  return {
    service: 'authentik',
    operation: 'op',
    request: { origin: ORIGIN, path, method, headers },
    idempotent: method === 'GET',
    deadline: 0,
    dispatchBy: 0,
    presented: { header: `Bearer ${secret}`, secret },
    retries: 0,
    renewed: false,
  };
}

/** A wire that answers each call with its own counter, after the test lets it. */
function countingWire(status = 200, json: unknown = { n: 0 }) {
  let calls = 0;
  const release: Array<() => void> = [];
  const send: Send = async () => {
    calls += 1;
    const n = calls;
    await new Promise<void>((resolve) => release.push(resolve));
    const body = typeof json === 'object' && json !== null ? { ...(json as object), n } : json;
    return {
      exchange: { kind: 'answer', status, headers: {}, body: new Uint8Array() },
      body: { text: '', json: body },
    } satisfies Attempted;
  };
  return {
    send,
    get calls() {
      return calls;
    },
    releaseAll() {
      for (const r of release.splice(0)) r();
    },
    /** Answers the latest call waiting, and only it. */
    releaseLast() {
      release.pop()?.();
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RESOURCE_TREE: the reads a write may change', () => {
  it.each<[string, string, boolean]>([
    ['/oauth-clients/a', '/oauth-clients/a', true],
    ['/oauth-clients/a', '/oauth-clients/a?x=1', true],
    ['/oauth-clients/a', '/oauth-clients', true],
    ['/oauth-clients/a', '/oauth-clients?filters=name%20eq%20%22a%22', true],
    ['/oauth-clients/a', '/oauth-clients/', true],
    ['/oauth-clients/a', '/oauth-clients/a/secrets', true],
    ['/oauth-clients', '/oauth-clients/b', true],
    ['/p/1/', '/p/1', true],
    ['/oauth-clients/a', '/oauth-clients/b', false],
    ['/oauth-clients/a', '/oauth-clients/ab', false],
    ['/oauth-clients/ab', '/oauth-clients/a', false],
    ['/oauth-clients/a', '/sources/a', false],
    ['/oauth-clients/ABC', '/oauth-clients/abc', true],
    ['/oauth-clients/a%2Fb', '/oauth-clients/a%2fb', true],
    ['/oauth-clients/a%2Fb', '/oauth-clients/a', false],
  ])('a write to %s changes a read of %s: %s', (write, read, changes) => {
    expect(RESOURCE_TREE(resourcePath(write))(resourcePath(read))).toBe(changes);
  });
});

describe('coalesce', () => {
  it.each<[string, Call, Call, number]>([
    ['the same read, the same credential: one upstream call', call('GET', '/p/1/'), call('GET', '/p/1/'), 1],
    ['another credential: two', call('GET', '/p/1/'), call('GET', '/p/1/', 'credential-b'), 2],
    ['another query: two', call('GET', '/p/?page=1'), call('GET', '/p/?page=2'), 2],
    ['another path: two', call('GET', '/p/1/'), call('GET', '/p/2/'), 2],
    ['writes: never shared', call('PATCH', '/p/1/'), call('PATCH', '/p/1/'), 2],
    ['a create: never shared', call('POST', '/p/'), call('POST', '/p/'), 2],
    ['a read a write depends on: never shared', call('GET', '/p/1/'), { ...call('GET', '/p/1/'), fresh: true }, 2],
    [
      'another request id and trace context: one',
      call('GET', '/p/1/', 'credential-a', { 'x-request-id': 'a', traceparent: `00-${'1'.repeat(32)}-${'1'.repeat(16)}-01` }),
      call('GET', '/p/1/', 'credential-a', { 'x-request-id': 'b' }),
      1,
    ],
    [
      'another vendor header (an API version): two',
      call('GET', '/p/1/', 'credential-a', { 'ld-api-version': 'beta' }),
      call('GET', '/p/1/'),
      2,
    ],
  ])('%s', async (_name, first, second, upstreamCalls) => {
    const wire = countingWire();
    const send = coalesce()(wire.send);
    const answers = Promise.all([send(first), send(second)]);
    await settle();
    wire.releaseAll();
    const [a, b] = await answers;
    expect(wire.calls).toBe(upstreamCalls);
    if (upstreamCalls === 1) {
      expect(b).toBe(a);
      expect(second.shared).toBe('coalesced');
    } else {
      expect(b).not.toBe(a);
      expect(second.shared).toBeUndefined();
    }
  });

  it('a read that comes after a write ended does not share a read begun before it', async () => {
    const wire = countingWire();
    const send = coalesce()(wire.send);
    const before = send(call('GET', '/p/1/'));
    const write = send(call('PATCH', '/p/1/'));
    await settle();
    expect(wire.calls).toBe(2);
    // The write is answered; the first read is still in flight.
    wire.releaseLast();
    await write;
    const after = call('GET', '/p/1/');
    const afterAnswer = send(after);
    await settle();
    wire.releaseAll();
    const [a, b] = await Promise.all([before, afterAnswer]);
    expect(wire.calls).toBe(3);
    expect(after.shared).toBeUndefined();
    expect(b).not.toBe(a);
  });

  it.each<[string, ReadsChangedBy | undefined, number]>([
    ['every read by default, another resource too', undefined, 3],
    ['with RESOURCE_TREE, a read of another resource still shares', RESOURCE_TREE, 2],
  ])('a write detaches %s', async (_name, readsChangedBy, upstreamCalls) => {
    const wire = countingWire();
    const send = coalesce(readsChangedBy)(wire.send);
    const first = send(call('GET', '/p/2/'));
    const write = send(call('PATCH', '/p/1/'));
    await settle();
    const second = send(call('GET', '/p/2/'));
    await settle();
    wire.releaseAll();
    await Promise.all([first, write, second]);
    expect(wire.calls).toBe(upstreamCalls);
  });

  it('a read after the first one finished is its own call', async () => {
    const wire = countingWire();
    const send = coalesce()(wire.send);
    const first = send(call('GET', '/p/1/'));
    await settle();
    wire.releaseAll();
    await first;
    const second = send(call('GET', '/p/1/'));
    await settle();
    wire.releaseAll();
    await second;
    expect(wire.calls).toBe(2);
  });
});

describe('readCache', () => {
  const setup = (status = 200, json: unknown = { n: 0 }, readsChangedBy?: ReadsChangedBy) => {
    let clock = 1_000;
    const wire = countingWire(status, json);
    const send = readCache({
      ttlMs: 100,
      maxEntries: 3,
      secretMembers: ['client_secret'],
      ...(readsChangedBy ? { readsChangedBy } : {}),
      now: () => clock,
    })(wire.send);
    const run = async (c: Call) => {
      const answer = send(c);
      await settle();
      wire.releaseAll();
      return answer;
    };
    return { wire, run, advance: (ms: number) => (clock += ms) };
  };

  it('serves the same read again within the TTL, not after', async () => {
    const { wire, run, advance } = setup();
    await run(call('GET', '/p/1/'));
    const again = call('GET', '/p/1/');
    await run(again);
    expect(wire.calls).toBe(1);
    expect(again.shared).toBe('cached');
    advance(100);
    await run(call('GET', '/p/1/'));
    expect(wire.calls).toBe(2);
  });

  it.each<[string, Call]>([
    ['a write to the resource', call('PATCH', '/p/1/')],
    ['a delete of it', call('DELETE', '/p/1')],
    ['a create in its collection', call('POST', '/p/')],
    ['a write elsewhere on this upstream', call('PATCH', '/q/9/')],
  ])('%s drops every cached answer of this upstream, whatever credential made them', async (_name, write) => {
    const { wire, run } = setup();
    await run(call('GET', '/p/1/'));
    await run(call('GET', '/p/?page=1', 'credential-b'));
    await run(write);
    const before = wire.calls;
    await run(call('GET', '/p/?page=1', 'credential-b'));
    await run(call('GET', '/p/1/'));
    expect(wire.calls - before).toBe(2);
  });

  it('with RESOURCE_TREE, a write drops the answers of its resource and of its collection, and keeps the others', async () => {
    const { run } = setup(200, { n: 0 }, RESOURCE_TREE);
    for (const path of ['/p/1/', '/p/2/', '/p/?page=1']) await run(call('GET', path, 'credential-b'));
    await run(call('PATCH', '/p/1/'));
    const reads = ['/p/1/', '/p/2/', '/p/?page=1'].map((path) => call('GET', path, 'credential-b'));
    for (const read of reads) await run(read);
    expect(reads.map((read) => read.shared ?? 'read')).toEqual(['read', 'cached', 'read']);
  });

  it('with RESOURCE_TREE, keeps an answer read during a write to another resource, not one to its own', async () => {
    const wire = countingWire();
    const send = readCache({ ttlMs: 100, maxEntries: 10, secretMembers: [], readsChangedBy: RESOURCE_TREE, now: () => 1_000 })(wire.send);
    const own = send(call('GET', '/p/1/'));
    const other = send(call('GET', '/p/2/'));
    const write = send(call('PATCH', '/p/1/'));
    await settle();
    wire.releaseAll();
    await Promise.all([own, other, write]);
    const again = [call('GET', '/p/1/'), call('GET', '/p/2/')];
    const answers = Promise.all(again.map((c) => send(c)));
    await settle();
    wire.releaseAll();
    await answers;
    expect(again.map((c) => c.shared ?? 'read')).toEqual(['read', 'cached']);
  });

  it('does not keep an answer read while a write was under way', async () => {
    let clock = 1_000;
    const wire = countingWire();
    const send = readCache({ ttlMs: 100, maxEntries: 3, secretMembers: [], now: () => clock })(wire.send);
    const read = send(call('GET', '/p/1/'));
    const write = send(call('PATCH', '/p/1/'));
    await settle();
    wire.releaseAll();
    await Promise.all([read, write]);
    const after = call('GET', '/p/1/');
    const again = send(after);
    await settle();
    wire.releaseAll();
    await again;
    expect(after.shared).toBeUndefined();
    expect(wire.calls).toBe(3);
    clock += 1;
  });

  it('never serves a read a write depends on', async () => {
    const { wire, run } = setup();
    await run(call('GET', '/p/1/'));
    await run({ ...call('GET', '/p/1/'), fresh: true });
    expect(wire.calls).toBe(2);
  });

  it('never across credentials', async () => {
    const { wire, run } = setup();
    await run(call('GET', '/p/1/', 'credential-a'));
    await run(call('GET', '/p/1/', 'credential-b'));
    expect(wire.calls).toBe(2);
  });

  it('keeps no secret member, at any depth', async () => {
    const { run } = setup(200, { results: [{ name: 'a', client_secret: 's3cret' }], client_secret: 's3cret' });
    await run(call('GET', '/p/'));
    const cached = await run(call('GET', '/p/'));
    expect(JSON.stringify(cached.body)).not.toContain('s3cret');
    expect(cached.body!.json).toEqual({ results: [{ name: 'a' }], n: 1 });
  });

  it('keeps no header but the content type: an upstream may echo the credential or set a cookie there', async () => {
    const echoing: Send = async (c) => ({
      exchange: {
        kind: 'answer',
        status: 200,
        headers: {
          'content-type': 'application/json',
          'x-echo-authorization': c.request.headers.authorization,
          'set-cookie': ['sid=s3ss10n'],
        },
        body: new Uint8Array(),
      },
      body: { text: '', json: { n: 1 } },
    });
    const send = readCache({ ttlMs: 100, maxEntries: 3, secretMembers: [], now: () => 1_000 })(echoing);
    const read = (secret: string) =>
      send({
        ...call('GET', '/p/1/', secret),
        request: { origin: ORIGIN, path: '/p/1/', method: 'GET', headers: { authorization: `Bearer ${secret}` } },
      });
    expect((await read('credential-a')).exchange).toMatchObject({ headers: { 'x-echo-authorization': 'Bearer credential-a' } });
    const cached = await read('credential-a');
    expect(cached.exchange).toEqual({
      kind: 'answer',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(),
    });
    expect(JSON.stringify(cached)).not.toMatch(/credential-a|s3ss10n/);
  });

  it('keeps no answer that is not JSON', async () => {
    let calls = 0;
    const html: Send = async () => {
      calls += 1;
      return {
        exchange: { kind: 'answer', status: 200, headers: { 'content-type': 'text/html' }, body: new Uint8Array() },
        body: { text: '<html>maintenance</html>', json: undefined },
      };
    };
    const send = readCache({ ttlMs: 100, maxEntries: 3, secretMembers: [], now: () => 1_000 })(html);
    await send(call('GET', '/p/1/'));
    const again = await send(call('GET', '/p/1/'));
    expect(calls).toBe(2);
    expect(again.body?.text).toBe('<html>maintenance</html>');
  });

  it('keeps no failure', async () => {
    const { wire, run } = setup(503);
    await run(call('GET', '/p/1/'));
    await run(call('GET', '/p/1/'));
    expect(wire.calls).toBe(2);
  });

  it('holds at most maxEntries answers, dropping the oldest', async () => {
    const { wire, run } = setup();
    for (const path of ['/a', '/b', '/c', '/d']) await run(call('GET', path));
    await run(call('GET', '/a'));
    await run(call('GET', '/d'));
    expect(wire.calls).toBe(5);
  });
});
