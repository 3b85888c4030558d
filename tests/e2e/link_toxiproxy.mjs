#!/usr/bin/env node
// A real Toxiproxy client against the link API of `kiosktwin serve`
// (peripherals.md §3.2). toxiproxy-node-client, from npm, drives the API; a
// measured client of our own sees what each toxic does to the bytes.
//
//   node link_toxiproxy.mjs API FIRST-LAST
//
//   API          the link API, e.g. http://127.0.0.1:31508 ("links"."api" in
//                the --json endpoints of `kiosktwin serve`)
//   FIRST-LAST   a range of at least 7 free TCP ports on 127.0.0.1 for this
//                program: its own echo server and the proxies it creates
//
// It starts an echo server (node:net), has the client create a proxy to it,
// and measures through the proxy: the baseline round trip; a 100 ms latency
// toxic (and then ±50 ms of jitter); a 64 KB/s bandwidth toxic (a 128 KB echo
// takes ≈2 s); reset_peer (ECONNRESET after its timeout); a toxic at
// toxicity 0 (never fires), then 1; each removal restoring the baseline;
// /populate (an unchanged proxy is left alone with its toxics and
// connections, a changed one is replaced, a new one created) and /reset
// (every toxic removed, a disabled proxy enabled again). Bad control requests
// (unknown toxic type, negative latency, duplicate names, malformed JSON,
// unknown proxy) must get Toxiproxy's 4xx JSON errors {error, status} while the
// proxy keeps echoing. The client discards error bodies, so a wrapper around
// fetch keeps the last exchange to read them; malformed JSON, which the
// client cannot send, goes out through fetch directly.
//
// Every wait is bounded. The first failed check ends the program with exit 1
// and a message on stderr (with the last API exchange); on success a JSON
// summary of the measured figures goes to stdout and the exit code is 0. The
// proxies it made ("lt-*") are removed on the way out.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client';

const API_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 3000;
const ECHO_TIMEOUT_MS = 5000;
const OVERALL_TIMEOUT_MS = 120000;
const HOST = '127.0.0.1';

class Failure extends Error {}

function check(ok, message) {
  if (!ok) throw new Failure(message);
}

// --- the API, through the client, with the last exchange kept -----------------

let lastExchange = null;
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  const sent = { method: init.method ?? 'GET', url: String(url), body: init.body ?? null };
  lastExchange = { ...sent, status: null, text: null };
  const res = await realFetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(API_TIMEOUT_MS) });
  const text = await res.clone().text();
  lastExchange = { ...sent, status: res.status, text };
  return res;
};

function shownExchange() {
  if (!lastExchange) return 'no request sent';
  const e = lastExchange;
  return `${e.method} ${e.url}${e.body ? ' ' + e.body : ''} -> ${e.status ?? 'no answer'} ${e.text ?? ''}`.trim();
}

/// A client call that must succeed.
async function api(what, call) {
  try {
    return await call();
  } catch (err) {
    if (err instanceof Failure) throw err;
    throw new Failure(`${what}: the client failed (${err.name}: ${err.message}); last exchange: ${shownExchange()}`);
  }
}

/// A client call that must fail with `status` and Toxiproxy's JSON error
/// whose message starts with `prefix`.
async function apiError(what, status, prefix, call) {
  let err = null;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  check(err !== null, `${what}: expected HTTP ${status}, the request succeeded (${shownExchange()})`);
  if (err instanceof Failure) throw err;
  check(err instanceof ToxiproxyError, `${what}: expected a ToxiproxyError, got ${err.name}: ${err.message}`);
  const r = lastExchange;
  check(r && r.status === status, `${what}: expected HTTP ${status}; last exchange: ${shownExchange()}`);
  check(err.message.includes(String(status)), `${what}: the client's error does not name ${status}: ${err.message}`);
  return errorBody(what, status, prefix, r.text);
}

function errorBody(what, status, prefix, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Failure(`${what}: the ${status} answer is not JSON: ${JSON.stringify(text)}`);
  }
  check(body !== null && typeof body === 'object', `${what}: the ${status} answer is not a JSON object: ${text}`);
  check(body.status === status, `${what}: the body's "status" is ${JSON.stringify(body.status)}, not ${status}: ${text}`);
  check(typeof body.error === 'string' && body.error.startsWith(prefix),
    `${what}: the body's "error" does not start with ${JSON.stringify(prefix)}: ${text}`);
  return { case: what, status, error: body.error };
}

/// What the client cannot send: a body that is not JSON.
async function rawPost(what, url, text, status, prefix) {
  let res;
  try {
    res = await realFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: text,
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Failure(`${what}: POST ${url} failed: ${err.message}`);
  }
  const body = await res.text();
  lastExchange = { method: 'POST', url, body: text, status: res.status, text: body };
  check(res.status === status, `${what}: expected HTTP ${status}; last exchange: ${shownExchange()}`);
  return errorBody(what, status, prefix, body);
}

// --- TCP: the echo server and the measured client ------------------------------

function startEcho(port) {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});  // resets from the proxy are expected
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Failure(`echo server on ${HOST}:${port}: ${err.message}`)));
    server.listen(port, HOST, () =>
      resolve({
        close() {
          for (const s of sockets) s.destroy();
          server.close();
        },
      }),
    );
  });
}

/// One connection of the measured client: counts and keeps what comes back,
/// notes how the connection ended.
class Conn {
  constructor(sock, port) {
    this.sock = sock;
    this.port = port;
    this.chunks = [];
    this.received = 0;
    this.end = null;  // {kind: 'error' | 'end' | 'close', code, at}
    this.listeners = new Set();
    const ended = (kind, code) => {
      if (!this.end) this.end = { kind, code, at: performance.now() };
      this.notify();
    };
    sock.on('data', (d) => {
      this.chunks.push(d);
      this.received += d.length;
      this.notify();
    });
    sock.on('error', (e) => ended('error', e.code ?? e.message));
    sock.on('end', () => ended('end', null));
    sock.on('close', () => ended('close', null));
  }

  notify() {
    for (const f of [...this.listeners]) f();
  }

  /// Resolves once pred() holds; throws after `ms`.
  until(pred, ms, what) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(probe);
      };
      const probe = () => {
        if (pred()) {
          done();
          resolve();
        }
      };
      timer = setTimeout(() => {
        done();
        reject(new Failure(`${what} (port ${this.port}): not done after ${ms} ms (${this.received} bytes in, end ${JSON.stringify(this.end)})`));
      }, ms);
      this.listeners.add(probe);
      probe();
    });
  }

  /// Sends `size` random bytes, waits for them to come back intact; returns
  /// the round trip in ms.
  async echo(size, ms = ECHO_TIMEOUT_MS) {
    const payload = randomBytes(size);
    const from = this.received;
    const t0 = performance.now();
    this.sock.write(payload);
    await this.until(() => this.received >= from + size || this.end !== null, ms, `echo of ${size} bytes`);
    const elapsed = performance.now() - t0;
    check(this.received >= from + size,
      `echo of ${size} bytes (port ${this.port}): the connection ended (${this.end?.kind} ${this.end?.code ?? ''}) after ${this.received - from} bytes`);
    const back = Buffer.concat(this.chunks).subarray(from, from + size);
    check(back.equals(payload), `echo of ${size} bytes (port ${this.port}): the bytes came back changed`);
    return elapsed;
  }

  close() {
    this.sock.destroy();
  }
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: HOST, port });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Failure(`connect to ${HOST}:${port}: no answer within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    const onError = (err) => {
      clearTimeout(timer);
      reject(err);
    };
    sock.once('error', onError);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeListener('error', onError);
      resolve(new Conn(sock, port));
    });
  });
}

async function mustConnect(port, what) {
  try {
    return await connect(port);
  } catch (err) {
    if (err instanceof Failure) throw err;
    throw new Failure(`${what}: cannot connect to ${HOST}:${port}: ${err.code ?? err.message}`);
  }
}

/// The port must refuse connections (a disabled, removed or moved proxy).
async function mustRefuse(port, what) {
  let conn = null;
  try {
    conn = await connect(port);
  } catch (err) {
    check(err.code === 'ECONNREFUSED', `${what}: expected ECONNREFUSED on ${port}, got ${err.code ?? err.message}`);
    return;
  }
  conn.close();
  throw new Failure(`${what}: ${HOST}:${port} still accepts connections`);
}

/// `n` round trips of `size` bytes on one fresh connection.
async function roundTrips(port, n, what, size = 64) {
  const conn = await mustConnect(port, what);
  try {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await conn.echo(size));
    return out;
  } finally {
    conn.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, digits = 1) => Number(x.toFixed(digits));

// --- the checks -----------------------------------------------------------------

const NAMES = ['lt-echo', 'lt-keep', 'lt-change', 'lt-new'];

async function run(apiUrl, ports) {
  const [echoPort, mainPort, keepPort, changePort, movedPort, newPort, sparePort] = ports;
  const upstream = `${HOST}:${echoPort}`;
  const listen = (port) => `${HOST}:${port}`;
  const toxiproxy = new Toxiproxy(apiUrl);
  const summary = { api: apiUrl };

  const versionText = await api('GET /version', () => toxiproxy.getVersion());
  let version = null;
  try {
    version = JSON.parse(versionText).version;
  } catch {
    version = versionText.trim();
  }
  check(typeof version === 'string' && /^\d+\.\d+\.\d+/.test(version), `GET /version: no version in ${JSON.stringify(versionText)}`);
  summary.version = version;

  // Leftovers of an earlier run against the same bench.
  const before = await api('GET /proxies', () => toxiproxy.getAll());
  for (const name of NAMES) if (before[name]) await api(`DELETE /proxies/${name}`, () => before[name].remove());

  const echo = await startEcho(echoPort);
  const conns = [];
  try {
    // The proxy, and the baseline through it.
    const proxy = await api('create proxy lt-echo', () =>
      toxiproxy.createProxy({ name: 'lt-echo', listen: listen(mainPort), upstream }));
    check(proxy.name === 'lt-echo' && proxy.listen === listen(mainPort) && proxy.upstream === upstream && proxy.enabled === true,
      `create proxy: unexpected answer ${JSON.stringify(proxy.toJson())}`);
    const shown = await api('get proxy lt-echo', () => toxiproxy.get('lt-echo'));
    check(shown.listen === listen(mainPort) && shown.enabled === true, `get proxy: unexpected ${JSON.stringify(shown.toJson())}`);
    summary.direct_rtt_ms = round(median(await roundTrips(echoPort, 10, 'direct to the echo server')), 2);
    const baseline = median(await roundTrips(mainPort, 10, 'baseline through the proxy'));
    summary.baseline_rtt_ms = round(baseline, 2);
    check(baseline < 50, `baseline round trip through the proxy is ${round(baseline)} ms (expected well under 50 ms)`);

    // latency: 100 ms on the way back.
    const lat = await api('add latency toxic', () =>
      proxy.addToxic({ name: 'lat_down', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } }));
    check(lat.name === 'lat_down' && lat.type === 'latency' && lat.stream === 'downstream' && lat.attributes?.latency === 100,
      `add latency toxic: unexpected answer ${JSON.stringify(lat.toJson())}`);
    const latShown = await api('get latency toxic', () => proxy.getToxic('lat_down'));
    check(latShown.attributes?.latency === 100 && latShown.toxicity === 1, `get toxic: unexpected ${JSON.stringify(latShown.toJson())}`);
    const latRtts = await roundTrips(mainPort, 5, 'latency 100 ms');
    const added = median(latRtts) - baseline;
    summary.latency = { set_ms: 100, rtt_ms: round(median(latRtts)), added_ms: round(added) };
    check(added >= 90 && added <= 250, `latency 100 ms: the round trip rose by ${round(added)} ms, expected 90..250`);

    // jitter: only the attribute sent changes (Toxiproxy merges attributes on update).
    const jit = await api('update latency toxic with jitter', () => lat.update({ attributes: { jitter: 50 } }));
    check(jit.attributes?.latency === 100 && jit.attributes?.jitter === 50,
      `update toxic: expected latency 100 and jitter 50, got ${JSON.stringify(jit.attributes)}`);
    const jitRtts = (await roundTrips(mainPort, 12, 'latency 100 ms ± 50 ms')).map((x) => x - baseline);
    const jMin = Math.min(...jitRtts), jMax = Math.max(...jitRtts);
    summary.jitter = { set_ms: 50, min_added_ms: round(jMin), max_added_ms: round(jMax), median_added_ms: round(median(jitRtts)) };
    check(jMin >= 45 && jMax <= 250, `latency 100 ± 50 ms: added delays ${round(jMin)}..${round(jMax)} ms, expected within 45..250`);
    check(jMax - jMin >= 20, `latency 100 ± 50 ms: 12 delays all within ${round(jMax - jMin)} ms of each other: no jitter`);

    await api('remove latency toxic', () => lat.remove());
    await apiError('the removed toxic is gone', 404, 'toxic not found', () => proxy.getToxic('lat_down'));
    const latGone = median(await roundTrips(mainPort, 5, 'latency removed'));
    summary.latency_removed_rtt_ms = round(latGone, 2);
    check(latGone <= baseline + 20, `latency removed: the round trip is ${round(latGone)} ms, baseline ${round(baseline)} ms`);

    // bandwidth: 64 KB/s (KB = 1000 bytes in Toxiproxy) on the way back.
    const BW_RATE = 64, BW_BYTES = 128000;
    const bw = await api('add bandwidth toxic', () =>
      proxy.addToxic({ name: 'bw_down', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: BW_RATE } }));
    check(bw.attributes?.rate === BW_RATE, `add bandwidth toxic: unexpected answer ${JSON.stringify(bw.toJson())}`);
    const bwConn = await mustConnect(mainPort, 'bandwidth');
    conns.push(bwConn);
    const bwMs = await bwConn.echo(BW_BYTES, 10000);
    bwConn.close();
    const bwRate = BW_BYTES / bwMs;  // bytes per ms = KB/s
    summary.bandwidth = { set_kb_s: BW_RATE, bytes: BW_BYTES, elapsed_ms: Math.round(bwMs), kb_s: round(bwRate) };
    check(bwRate >= BW_RATE * 0.7 && bwRate <= BW_RATE * 1.3,
      `bandwidth ${BW_RATE} KB/s: ${BW_BYTES} bytes came back at ${round(bwRate)} KB/s (${Math.round(bwMs)} ms), expected ±30 %`);
    await api('remove bandwidth toxic', () => bw.remove());
    const freeConn = await mustConnect(mainPort, 'bandwidth removed');
    conns.push(freeConn);
    const freeMs = await freeConn.echo(BW_BYTES);
    freeConn.close();
    summary.bandwidth_removed_kb_s = Math.round(BW_BYTES / freeMs);
    check(BW_BYTES / freeMs >= BW_RATE * 4, `bandwidth removed: still only ${round(BW_BYTES / freeMs)} KB/s`);

    // reset_peer: the first chunk back is swallowed and the connection reset
    // `timeout` ms later.
    const RST_MS = 400;
    const rst = await api('add reset_peer toxic', () =>
      proxy.addToxic({ name: 'rst_down', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: RST_MS } }));
    check(rst.attributes?.timeout === RST_MS, `add reset_peer toxic: unexpected answer ${JSON.stringify(rst.toJson())}`);
    const rstConn = await mustConnect(mainPort, 'reset_peer');
    conns.push(rstConn);
    const rstT0 = performance.now();
    rstConn.sock.write(randomBytes(64));
    await rstConn.until(() => rstConn.end !== null, RST_MS + 3000, 'reset_peer');
    const rstAfter = rstConn.end.at - rstT0;
    summary.reset_peer = { timeout_ms: RST_MS, ended: rstConn.end.kind, code: rstConn.end.code, after_ms: Math.round(rstAfter), bytes_before: rstConn.received };
    check(rstConn.end.kind === 'error' && rstConn.end.code === 'ECONNRESET',
      `reset_peer: the connection ended with ${rstConn.end.kind} ${rstConn.end.code ?? ''}, expected ECONNRESET`);
    check(rstAfter >= RST_MS * 0.8 && rstAfter <= RST_MS + 500, `reset_peer ${RST_MS} ms: reset after ${Math.round(rstAfter)} ms`);
    check(rstConn.received === 0, `reset_peer: ${rstConn.received} bytes came back before the reset, expected none`);
    await api('remove reset_peer toxic', () => rst.remove());
    const afterRst = median(await roundTrips(mainPort, 3, 'reconnect after reset_peer'));
    check(afterRst <= baseline + 20, `reconnect after reset_peer: round trip ${round(afterRst)} ms`);

    // toxicity 0: the toxic is there but never fires; at 1 it always does.
    const never = await api('add a toxic at toxicity 0', () =>
      proxy.addToxic({ name: 'never', type: 'latency', stream: 'downstream', toxicity: 0, attributes: { latency: 500 } }));
    check(never.toxicity === 0, `add toxic at toxicity 0: unexpected answer ${JSON.stringify(never.toJson())}`);
    const zero = [];
    for (let i = 0; i < 10; i++) zero.push((await roundTrips(mainPort, 1, `toxicity 0, connection ${i + 1}`))[0]);
    summary.toxicity_zero = { connections: zero.length, max_rtt_ms: round(Math.max(...zero)) };
    check(Math.max(...zero) < 200, `toxicity 0: a connection took ${round(Math.max(...zero))} ms: the 500 ms toxic fired`);
    const always = await api('update toxicity to 1', () => never.update({ toxicity: 1 }));
    check(always.toxicity === 1 && always.attributes?.latency === 500, `update toxicity: unexpected answer ${JSON.stringify(always.toJson())}`);
    const one = (await roundTrips(mainPort, 1, 'toxicity 1'))[0];
    summary.toxicity_one_rtt_ms = round(one);
    check(one >= 450 && one <= 900, `toxicity 1: round trip ${round(one)} ms, expected ≈500`);
    await api('remove the toxicity toxic', () => always.remove());

    // Bad control requests: Toxiproxy's 4xx JSON errors, nothing left behind,
    // and the proxy keeps serving (an open connection and new ones).
    const held = await mustConnect(mainPort, 'connection held across the bad requests');
    conns.push(held);
    await held.echo(64);
    const bad = [];
    bad.push(await apiError('unknown toxic type', 400, 'invalid toxic type', () =>
      proxy.addToxic({ name: 'bogus', type: 'no_such_toxic', stream: 'downstream', toxicity: 1, attributes: {} })));
    bad.push(await apiError('negative latency', 400, 'bad request body', () =>
      proxy.addToxic({ name: 'negative', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: -100 } })));
    await api('add toxic dup', () =>
      proxy.addToxic({ name: 'dup', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 10 } }));
    bad.push(await apiError('duplicate toxic name', 409, 'toxic already exists', () =>
      proxy.addToxic({ name: 'dup', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 900 } })));
    const dup = await api('get toxic dup', () => proxy.getToxic('dup'));
    check(dup.attributes?.latency === 10, `duplicate toxic name: the first toxic changed: ${JSON.stringify(dup.toJson())}`);
    await api('remove toxic dup', () => dup.remove());
    bad.push(await apiError('duplicate proxy name', 409, 'proxy already exists', () =>
      toxiproxy.createProxy({ name: 'lt-echo', listen: listen(sparePort), upstream })));
    await mustRefuse(sparePort, 'duplicate proxy name: nothing listens on its address');
    const stillThere = await api('get proxy lt-echo', () => toxiproxy.get('lt-echo'));
    check(stillThere.listen === listen(mainPort) && stillThere.enabled, `duplicate proxy name: lt-echo changed: ${JSON.stringify(stillThere.toJson())}`);
    bad.push(await rawPost('malformed JSON toxic', `${apiUrl}/proxies/lt-echo/toxics`,
      '{"name": "broken", "type": "latency", "attributes": {"latency": 100', 400, 'bad request body'));
    bad.push(await rawPost('malformed JSON proxy', `${apiUrl}/proxies`,
      `{"name": "lt-broken", "listen": "${listen(sparePort)}"`, 400, 'bad request body'));
    bad.push(await rawPost('malformed JSON populate', `${apiUrl}/populate`, '[{"name": "lt-broken",', 400, 'bad request body'));
    bad.push(await apiError('unknown proxy', 404, 'proxy not found', () => toxiproxy.get('lt-no-such-proxy')));
    for (const name of ['bogus', 'negative', 'broken'])
      await apiError(`the refused toxic ${name} was not added`, 404, 'toxic not found', () => proxy.getToxic(name));
    await apiError('the malformed proxy was not created', 404, 'proxy not found', () => toxiproxy.get('lt-broken'));
    summary.bad_requests = bad;
    await held.echo(64);
    held.close();
    const afterBad = median(await roundTrips(mainPort, 3, 'after the bad requests'));
    summary.after_bad_requests_rtt_ms = round(afterBad, 2);
    check(afterBad <= baseline + 20, `after the bad requests: round trip ${round(afterBad)} ms`);

    // /populate: lt-keep unchanged (same listen and upstream) keeps its toxic
    // and its connections; lt-change moves (replaced, without its toxic);
    // lt-new appears.
    await api('create proxy lt-keep', () => toxiproxy.createProxy({ name: 'lt-keep', listen: listen(keepPort), upstream }));
    const change = await api('create proxy lt-change', () =>
      toxiproxy.createProxy({ name: 'lt-change', listen: listen(changePort), upstream }));
    const keep = await api('get proxy lt-keep', () => toxiproxy.get('lt-keep'));
    await api('add toxic to lt-keep', () =>
      keep.addToxic({ name: 'keep_lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 80 } }));
    await api('add toxic to lt-change', () =>
      change.addToxic({ name: 'change_lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 80 } }));
    const keepHeld = await mustConnect(keepPort, 'connection to lt-keep held across /populate');
    conns.push(keepHeld);
    await keepHeld.echo(64);
    const wanted = [
      { name: 'lt-keep', listen: listen(keepPort), upstream },
      { name: 'lt-change', listen: listen(movedPort), upstream },
      { name: 'lt-new', listen: listen(newPort), upstream },
    ];
    const populated = await api('POST /populate', () => toxiproxy.populate(wanted));
    check(JSON.stringify(Object.keys(populated).sort()) === JSON.stringify(['lt-change', 'lt-keep', 'lt-new']),
      `POST /populate: returned ${JSON.stringify(Object.keys(populated))}`);
    for (const w of wanted) {
      const p = populated[w.name];
      check(p.listen === w.listen && p.upstream === w.upstream && p.enabled === true,
        `POST /populate: ${w.name} came back as ${JSON.stringify(p.toJson())}`);
    }
    const keepToxic = await api('lt-keep keeps its toxic', () => populated['lt-keep'].getToxic('keep_lat'));
    check(keepToxic.attributes?.latency === 80, `POST /populate: lt-keep's toxic changed: ${JSON.stringify(keepToxic.toJson())}`);
    const keepHeldRtt = await keepHeld.echo(64);
    keepHeld.close();
    const keepRtt = median(await roundTrips(keepPort, 3, 'lt-keep after /populate'));
    await apiError('lt-change lost its toxic', 404, 'toxic not found', () => populated['lt-change'].getToxic('change_lat'));
    await mustRefuse(changePort, 'lt-change moved: its old address');
    const movedRtt = median(await roundTrips(movedPort, 3, 'lt-change at its new address'));
    const newRtt = median(await roundTrips(newPort, 3, 'lt-new'));
    const again = await api('POST /populate again (idempotent)', () => toxiproxy.populate(wanted));
    check(Object.keys(again).length === 3, `POST /populate again: returned ${JSON.stringify(Object.keys(again))}`);
    await api('lt-keep still keeps its toxic', () => again['lt-keep'].getToxic('keep_lat'));
    summary.populate = {
      returned: Object.keys(populated).sort(),
      keep_held_connection_rtt_ms: round(keepHeldRtt),
      keep_rtt_ms: round(keepRtt),
      moved_rtt_ms: round(movedRtt, 2),
      new_rtt_ms: round(newRtt, 2),
    };
    check(keepHeldRtt >= 70, `POST /populate: lt-keep's open connection no longer sees its 80 ms toxic (${round(keepHeldRtt)} ms)`);
    check(keepRtt >= 70, `POST /populate: lt-keep no longer applies its 80 ms toxic (${round(keepRtt)} ms)`);
    check(movedRtt <= baseline + 20, `POST /populate: the replaced lt-change still delays (${round(movedRtt)} ms)`);
    check(newRtt <= baseline + 20, `POST /populate: lt-new round trip ${round(newRtt)} ms`);

    // /reset: every toxic removed, every disabled proxy enabled again.
    const down = await api('disable lt-echo', () => proxy.update({ enabled: false, listen: listen(mainPort), upstream }));
    check(down.enabled === false, `disable lt-echo: answer says enabled ${down.enabled}`);
    await mustRefuse(mainPort, 'disabled lt-echo');
    await api('add toxic to lt-new', () =>
      populated['lt-new'].addToxic({ name: 'new_lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200 } }));
    await api('POST /reset', () => toxiproxy.reset());
    check(lastExchange?.status === 204, `POST /reset: answered ${lastExchange?.status}, Toxiproxy answers 204`);
    const all = await api('GET /proxies after /reset', () => toxiproxy.getAll());
    for (const name of NAMES) check(all[name]?.enabled === true, `POST /reset: ${name} is ${JSON.stringify(all[name]?.toJson())}`);
    const resetMain = median(await roundTrips(mainPort, 3, 'lt-echo enabled again by /reset'));
    const resetKeep = median(await roundTrips(keepPort, 3, 'lt-keep after /reset'));
    const resetNew = median(await roundTrips(newPort, 3, 'lt-new after /reset'));
    await apiError('/reset removed lt-keep\'s toxic', 404, 'toxic not found', () => populated['lt-keep'].getToxic('keep_lat'));
    await apiError('/reset removed lt-new\'s toxic', 404, 'toxic not found', () => populated['lt-new'].getToxic('new_lat'));
    summary.reset = { enabled_rtt_ms: round(resetMain, 2), keep_rtt_ms: round(resetKeep, 2), new_rtt_ms: round(resetNew, 2) };
    for (const [what, rtt] of [['lt-echo', resetMain], ['lt-keep', resetKeep], ['lt-new', resetNew]])
      check(rtt <= baseline + 20, `POST /reset: ${what} round trip ${round(rtt)} ms, baseline ${round(baseline)} ms`);

    // Removing a proxy closes its port.
    await api('remove lt-echo', () => proxy.remove());
    await apiError('the removed proxy is gone', 404, 'proxy not found', () => toxiproxy.get('lt-echo'));
    await mustRefuse(mainPort, 'removed lt-echo');
  } finally {
    for (const c of conns) c.close();
    echo.close();
    // Best effort: leave the bench as we found it.
    for (const name of NAMES) {
      try {
        await realFetch(`${apiUrl}/proxies/${name}`, { method: 'DELETE', signal: AbortSignal.timeout(API_TIMEOUT_MS) });
      } catch {
        // the bench may be gone already
      }
    }
  }
  return summary;
}

function usage() {
  process.stderr.write('usage: node link_toxiproxy.mjs API_URL FIRST-LAST   (at least 7 free ports)\n');
  return 2;
}

async function main(argv) {
  const [apiUrl, range] = argv;
  if (!apiUrl || !range || !/^https?:\/\//.test(apiUrl)) return usage();
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (!m) return usage();
  const first = Number(m[1]), last = Number(m[2]);
  if (first < 1024 || last > 65535 || last - first + 1 < 7) return usage();
  const ports = [];
  for (let p = first; p <= last; p++) ports.push(p);
  const summary = await run(apiUrl.replace(/\/+$/, ''), ports);
  process.stdout.write(JSON.stringify(summary) + '\n');
  return 0;
}

setTimeout(() => {
  process.stderr.write(`link_toxiproxy: FAIL: not finished after ${OVERALL_TIMEOUT_MS / 1000} s; last exchange: ${shownExchange()}\n`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS).unref();

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const what = err instanceof Failure ? err.message : `${err.name}: ${err.message}\n${err.stack}`;
    process.stderr.write(`link_toxiproxy: FAIL: ${what}\n`);
    process.exit(1);
  },
);
