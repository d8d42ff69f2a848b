// Drives the scenarios of tests/e2e/test_async_js.py against one host of the
// Python AsyncServer (Uvicorn/ASGI, aiohttp or Tornado) with the official
// socket.io-client, and prints one JSON line with what it observed.
//
// usage: node async_scenarios.js <url>
'use strict';

const { io } = require('socket.io-client');

const url = process.argv[2];
const STEP_MS = 5000;

function open(nsp, opts = {}) {
  return io(url + nsp, { forceNew: true, reconnection: false, ...opts });
}

// Resolve with the arguments of the next `event`, reject after STEP_MS.
function next(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), STEP_MS);
    socket.once(event, (...args) => { clearTimeout(timer); resolve(args); });
  });
}

async function connected(socket) {
  if (!socket.connected) {
    const outcome = await Promise.race([next(socket, 'connect').then(() => null),
      next(socket, 'connect_error').then(([err]) => err)]);
    if (outcome) throw new Error(`connect_error: ${outcome.message}`);
  }
  return socket;
}

// Emit with an acknowledgement; resolve with its only argument, or with the
// array of its arguments when there are several.
function ack(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(STEP_MS).emit(event, ...args, (err, ...answer) => {
      if (err) reject(new Error(`no ack for ${event}`));
      else resolve(answer.length === 1 ? answer[0] : answer);
    });
  });
}

const toBase64 = (b) => Buffer.from(b).toString('base64');
const isBinary = (b) => Buffer.isBuffer(b) || b instanceof ArrayBuffer || ArrayBuffer.isView(b);

async function main() {
  const out = {};
  const sockets = [];
  const track = (s) => { sockets.push(s); return s; };

  // connect `/` with auth, and a custom namespace on the same manager
  const main = track(await connected(open('/', { auth: { token: 'secret' } })));
  out.mainId = main.id;
  const chat = track(await connected(main.io.socket('/chat', { auth: { user: 'ann' } })));
  out.chatId = chat.id;
  out.sameEngine = main.io.engine.id !== undefined && chat.io === main.io;

  // refusal with data; unknown namespace refused
  const refused = track(open('/', { auth: { token: 'wrong' } }));
  const [err] = await next(refused, 'connect_error');
  out.refused = { message: err.message, data: err.data };
  const nope = track(open('/nope', { auth: { token: 'secret' } }));
  const [nopeErr] = await next(nope, 'connect_error');
  out.unknownNamespaceRefused = nopeErr instanceof Error;

  // JSON types and unicode, several arguments, echoed through an ack
  const values = [0, -1.5, 2 ** 40, 'h\u00e9llo \u4e16\u754c \ud83d\ude80', true, false, null,
    [1, 'two', [3]], { a: { b: [null, 'x'] }, '\u00fc': '\u00df' }, ''];
  out.echo = await ack(main, 'echo', ...values);
  out.echoExpected = values;
  out.chatEcho = await ack(chat, 'echo', 'in chat', { n: 1 });

  // binary: client -> server (top-level + nested), server -> client through the ack
  const [topBack, nestedBack] = await ack(main, 'bin', Buffer.from([1, 2, 3, 255]),
    { label: 'n', list: [Buffer.from('nested')] });
  out.binAck = { top: toBase64(topBack), topIsBinary: isBinary(topBack),
    nested: toBase64(nestedBack.nested[0]), nestedIsBinary: isBinary(nestedBack.nested[0]) };
  // binary: server -> client as an event
  const binEvent = next(main, 'bin_event');
  await ack(main, 'send_bin');
  const [b1, b2] = await binEvent;
  out.binEvent = { top: toBase64(b1), topIsBinary: isBinary(b1),
    nested: toBase64(b2.deep.list[1]), nestedIsBinary: isBinary(b2.deep.list[1]), other: b2.deep.list[0] };

  // server call() answered by the JS client
  main.on('question', (q, cb) => cb({ answer: q.x * 2, from: 'js' }));
  out.callResult = await ack(main, 'ask', { x: 21 });

  // rooms, skip_sid and close_room with three clients
  const a = track(await connected(open('/', { auth: { token: 'secret' } })));
  const b = track(await connected(open('/', { auth: { token: 'secret' } })));
  const c = track(await connected(open('/', { auth: { token: 'secret' } })));
  const received = { a: [], b: [], c: [] };
  for (const [name, s] of Object.entries({ a, b, c })) {
    s.on('room_msg', (m) => received[name].push(m));
  }
  for (const s of [a, b, c]) await ack(s, 'join', 'blue');
  out.rooms = await ack(a, 'rooms');
  out.aId = a.id;
  const bGot = next(b, 'room_msg');
  const cGot = next(c, 'room_msg');
  await ack(a, 'to_room', 'blue', 'first');
  await Promise.all([bGot, cGot]);
  await ack(a, 'close', 'blue');
  await ack(a, 'to_room', 'blue', 'after close');
  // a direct message sent after the room message arrives after it, if it came
  for (const s of [a, b, c]) {
    const pong = next(s, 'pong_direct');
    await ack(s, 'ping_me');
    await pong;
  }
  out.roomReceived = received;

  // 200 ordered messages both ways
  for (let i = 0; i < 200; i++) main.emit('seq', i);
  out.seqServer = await ack(main, 'seq_check');
  const burst = [];
  const burstDone = new Promise((resolve) => main.on('burst', (i) => {
    burst.push(i);
    if (burst.length === 200) resolve();
  }));
  await ack(main, 'burst', 200);
  await burstDone;
  out.seqClient = burst;

  // one transport only
  out.transports = {};
  for (const transport of ['polling', 'websocket']) {
    const s = track(await connected(open('/', { auth: { token: 'secret' }, transports: [transport] })));
    out.transports[transport] = { server: await ack(s, 'transport'), echo: await ack(s, 'echo', transport, Buffer.from('x')) };
    out.transports[transport].echo[1] = toBase64(out.transports[transport].echo[1]);
    s.disconnect();
  }

  // disconnects with reasons: server side, then client side
  const kicked = track(await connected(open('/', { auth: { token: 'secret' } })));
  out.kickedId = kicked.id;
  const gone = next(kicked, 'disconnect');
  kicked.emit('kick_me');
  [out.kickedReason] = await gone;
  const leaving = track(await connected(open('/', { auth: { token: 'secret' } })));
  out.leavingId = leaving.id;
  const left = next(leaving, 'disconnect');
  leaving.disconnect();
  [out.leavingReason] = await left;
  const chatOnly = chat.id;
  const chatLeft = next(chat, 'disconnect');
  chat.disconnect();
  [out.chatReason] = await chatLeft;
  out.chatOnlyId = chatOnly;

  // close every connection cleanly before exiting, so no long-poll is left behind
  const engines = new Set(sockets.map((s) => s.io.engine).filter(Boolean));
  for (const s of sockets) s.disconnect();
  await Promise.all([...engines].filter((e) => e.readyState !== 'closed').map(
    (e) => new Promise((resolve) => { e.once('close', resolve); setTimeout(resolve, 2000); })));
  console.log(JSON.stringify(out));
}

const guard = setTimeout(() => {
  console.log(JSON.stringify({ error: 'global timeout' }));
  process.exit(2);
}, 25000);
main().then(() => { clearTimeout(guard); process.exit(0); }, (e) => {
  console.log(JSON.stringify({ error: String(e && e.stack || e) }));
  process.exit(1);
});
