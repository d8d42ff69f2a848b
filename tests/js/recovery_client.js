// The official socket.io-client against a python server with connection state
// recovery (tests/e2e/servers/recovery_server.py, driven by
// tests/e2e/test_recovery.py). Prints one JSON summary line.
//
// usage: node recovery_client.js <url>            recovery, timeouts, burst
//        node recovery_client.js <url> <url2>     recovery on the second server
//                                                 of a cluster
//        node recovery_client.js <url> burst      the burst only
'use strict';
const { io } = require('socket.io-client');

const [url, url2] = process.argv.slice(2);
const TIMEOUT = 10000;

function withTimeout(promise, what, ms = TIMEOUT) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout: ' + what)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function once(emitter, event) {
  return withTimeout(new Promise((resolve) => emitter.once(event, resolve)), event);
}

function connect(u, opts = {}) {
  const socket = io(u, { forceNew: true, reconnection: false, timeout: TIMEOUT, ...opts });
  return withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  }), 'connect ' + u);
}

function ack(socket, event, ...args) {
  return socket.timeout(TIMEOUT).emitWithAck(event, ...args);
}

// Events received after a temporary disconnection: the engine closes (as
// when the network drops), the server sees the client leave, events are
// emitted meanwhile, then the client connects again (to url2 if given).
async function recovery(transports, target) {
  const control = await connect(url, { transports: ['websocket'] });
  // a server logs the events of the cluster from its first connection on
  const other = target ? await connect(target, { transports: ['websocket'] }) : null;
  const socket = await connect(url, { transports, auth: { token: 'abc' } });
  const first = { id: socket.id, recovered: socket.recovered };
  const received = [];
  socket.onAny((event, ...args) => received.push([event, ...args]));
  await ack(socket, 'hello'); // an event with an offset: where the client is
  await ack(socket, 'join', 'r1');
  await ack(socket, 'remember', { n: 1 });
  received.length = 0;
  if (target) socket.io.uri = target;
  socket.io.engine.close();
  first.gone = await ack(control, 'wait_gone', first.id);
  await ack(control, 'emit_gap', { sid: first.id, room: 'r1', n: 5 });
  if (other) {
    first.logged = await ack(other, 'logged', 10); // the queue carried them there
    other.close();
  }
  socket.connect();
  await once(socket, 'connect');
  const out = { first, id: socket.id, recovered: socket.recovered, received };
  out.status = await ack(socket, 'status');
  socket.disconnect();
  control.close();
  return out;
}

// A deliberate disconnect is not recovered.
async function deliberate() {
  const socket = await connect(url, { transports: ['websocket'] });
  const id = socket.id;
  await ack(socket, 'hello');
  socket.disconnect();
  socket.connect();
  await once(socket, 'connect');
  const out = { sameId: socket.id === id, recovered: socket.recovered };
  socket.disconnect();
  return out;
}

// The server emits with a timeout to a client that never answers, then
// floods it with callbacks.
async function timeouts() {
  const socket = await connect(url, { transports: ['websocket'] });
  let never = 0;
  socket.on('never', () => { never += 1; }); // never acknowledges
  await ack(socket, 'ask_never', 0.3);
  const deadline = Date.now() + TIMEOUT;
  let report = await ack(socket, 'timeouts');
  while (report.timed_out < 1 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    report = await ack(socket, 'timeouts');
  }
  const flooded = await ack(socket, 'flood', 1000);
  const out = { report, flooded, never: null };
  out.after = await ack(socket, 'timeouts');
  out.never = never;
  socket.disconnect();
  return out;
}

// 200 events emitted back to back over long-polling: the client sends them
// in one or two POST bodies.
async function burst() {
  const socket = await connect(url, { transports: ['polling'] });
  for (let i = 0; i < 200; i++) socket.emit('burst', i);
  const seen = await ack(socket, 'burst_done');
  socket.disconnect();
  return seen;
}

async function main() {
  const summary = { errors: [] };
  const run = async (name, fn) => {
    try {
      summary[name] = await fn();
    } catch (err) {
      summary.errors.push(`${name}: ${err && err.stack ? err.stack : err}`);
    }
  };
  if (url2 === 'burst') {
    await run('burst', burst);
  } else if (url2) {
    await run('cluster', () => recovery(['websocket'], url2));
  } else {
    await run('polling', () => recovery(['polling']));
    await run('websocket', () => recovery(['websocket']));
    await run('deliberate', deliberate);
    await run('timeouts', timeouts);
    await run('burst', burst);
  }
  console.log(JSON.stringify(summary));
  process.exit(0);
}

main();
