// Drives a python-socketio server (tests/e2e/test_server_js.py) with the
// official socket.io-client and prints one JSON summary line.
//
// usage: node server_interop.js <main url> <ordered url>
//
// <main url> serves the handlers of test_server_js.py with async_handlers=True;
// <ordered url> serves a server with async_handlers=False, used to check that
// 200 events reach the application in order.
'use strict';
const crypto = require('crypto');
const { io } = require('socket.io-client');

const [url, orderedUrl] = process.argv.slice(2);
const TIMEOUT = 10000;
const summary = { errors: [] };

function withTimeout(promise, what, ms = TIMEOUT) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout: ' + what)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

let lastStep = '';

function once(emitter, event, what) {
  return withTimeout(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))),
    what || event);
}

// Connect and resolve with the socket, or reject with the connect_error.
function connect(u, opts = {}) {
  const socket = io(u, { forceNew: true, reconnection: false, timeout: TIMEOUT, ...opts });
  return withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  }), 'connect ' + u);
}

// Resolve with the first acknowledgement argument.
function ack(socket, event, ...args) {
  lastStep = 'ack ' + event;
  return socket.timeout(TIMEOUT).emitWithAck(event, ...args);
}

// Resolve with the list of all acknowledgement arguments.
function ackAll(socket, event, ...args) {
  lastStep = 'ackAll ' + event;
  return new Promise((resolve, reject) => {
    socket.timeout(TIMEOUT).emit(event, ...args, (err, ...res) => (err ? reject(err) : resolve(res)));
  });
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hex = (b) => Buffer.from(b).toString('hex');

// Every JSON type, edge-case numbers and unicode that must survive a round trip.
const JSON_VALUES = [
  null, true, false, 0, -1, 9007199254740991, -2.5, 1.25e-7, '', 'plain',
  'üñíçødé ☃ 😀 \u2028 "quoted" \\ back\nline\ttab', [], {}, [1, [2, [3, [4]]]],
  { a: { b: { c: null, d: [true, 'x'] } }, 'ключ': 'значение' },
];

async function core(label, transports) {
  const out = {};
  const opts = transports ? { transports } : {};
  const socket = await connect(url, { ...opts, auth: { token: 'abc', label } });
  out.sid = socket.id;
  if (!transports) {
    if (socket.io.engine.transport.name !== 'websocket') {
      await once(socket.io.engine, 'upgrade', 'upgrade');
    }
  }
  out.clientTransport = socket.io.engine.transport.name;
  out.whoami = await ack(socket, 'whoami');

  // every JSON type, client -> server -> client (ack)
  const echoed = await ackAll(socket, 'echo', ...JSON_VALUES);
  out.typesOk = JSON.stringify(echoed) === JSON.stringify(JSON_VALUES);
  out.typesSeen = await ack(socket, 'last_types');

  // binary, top level and nested, client -> server -> client
  const top = Buffer.from([0, 1, 2, 253, 254, 255]);
  const nested = { name: 'files', list: [Buffer.from('abc'), { deep: Buffer.from([7]) }] };
  const [rTop, rNested] = await ackAll(socket, 'echo', top, nested);
  out.binaryTopOk = Buffer.isBuffer(rTop) && hex(rTop) === hex(top);
  out.binaryNestedOk = rNested.name === 'files' && hex(rNested.list[0]) === hex('abc') &&
    hex(rNested.list[1].deep) === '07';
  out.binarySeen = await ack(socket, 'last_types');

  // binary, server -> client (event)
  const binEvent = once(socket, 'bin', 'bin event');
  socket.emit('send_me_binary');
  const [b1, b2] = await binEvent;
  out.serverBinary = { top: hex(b1), nested: hex(b2.nested[0]), text: b2.text };

  // server emit with a callback, answered by this client
  socket.once('ask', (data, cb) => cb('answer to ' + data, 7, Buffer.from('ok')));
  const cbResult = once(socket, 'cb_result', 'cb_result');
  socket.emit('emit_with_callback');
  out.callbackResult = (await cbResult)[0];

  // server call() answered by this client
  socket.once('question', (data, cb) => cb({ doubled: data.n * 2 }));
  out.serverCall = await ack(socket, 'server_call', 21);
  // server call() that the client never answers times out on the server
  socket.once('question', () => {});
  out.serverCallTimeout = await ack(socket, 'server_call', 1, 0.3);

  // custom namespace on the same connection, with its own auth
  const chat = socket.io.socket('/chat', { auth: { room: 'blue' } }); // autoConnect
  await once(chat, 'connect', 'chat connect');
  out.chatSid = chat.id;
  out.chatEcho = await ack(chat, 'echo', 'in chat');
  out.sameEngine = chat.io === socket.io;

  // 200 server -> client messages in order
  const received = [];
  const done = new Promise((resolve) => {
    socket.on('seq', (i) => {
      received.push(i);
      if (received.length === 200) resolve();
    });
  });
  socket.emit('send_sequence', 200);
  await withTimeout(done, 'sequence');
  out.serverToClientOrdered = received.every((v, i) => v === i);

  // a 1 MB message both ways
  const big = '0123456789abcdef'.repeat(65536);
  out.bigToServer = await ack(socket, 'big', big);
  out.bigExpected = { length: big.length, sha256: sha256(big) };
  const bigBack = once(socket, 'big_back', 'big_back');
  socket.emit('send_big', 1048576);
  const [bigReceived] = await bigBack;
  out.bigFromServer = { length: bigReceived.length, sha256: sha256(bigReceived) };
  const bigBinary = crypto.randomBytes(1048576);
  out.bigBinaryToServer = await ack(socket, 'big', bigBinary);
  out.bigBinaryExpected = { length: bigBinary.length, sha256: sha256(bigBinary) };

  out.serverTransport = await ack(socket, 'transport');

  // send() ('message' event), sessions, a background task that sleeps
  const message = once(socket, 'message', 'message');
  socket.emit('send_me');
  out.message = (await message)[0];
  await ack(socket, 'remember', { label, n: 1 });
  out.recalled = await ack(socket, 'recall');
  const later = once(socket, 'later', 'later');
  socket.emit('later', 0.05);
  out.later = (await later)[0];

  // the client leaves /chat only, then the server kicks it from /
  const chatGone = chat.disconnect();
  out.chatConnectedAfterLeave = chatGone.connected;
  const kicked = once(socket, 'disconnect', 'kick');
  socket.emit('kick_me');
  out.kickReason = (await kicked)[0];
  socket.close();
  return out;
}

async function disconnectFromClient(transports) {
  const socket = await connect(url, { transports, auth: { label: 'bye' } });
  const sid = socket.id;
  const reason = once(socket, 'disconnect', 'client disconnect');
  socket.disconnect();
  return { sid, clientReason: (await reason)[0] };
}

async function refusals() {
  const out = {};
  for (const [key, auth] of [['withData', { refuse: 'data' }], ['byFalse', { refuse: 'false' }],
    ['builtin', { refuse: 'builtin' }]]) {
    try {
      const s = await connect(url, { auth, transports: ['websocket'] });
      s.close();
      out[key] = 'connected';
    } catch (err) {
      out[key] = { message: err.message, data: err.data === undefined ? null : err.data };
    }
  }
  try {
    const s = await connect(url + '/nope', { transports: ['websocket'] });
    s.close();
    out.unknownNamespace = 'connected';
  } catch (err) {
    out.unknownNamespace = { message: err.message };
  }
  return out;
}

async function rooms() {
  const clients = [];
  for (const name of ['c1', 'c2', 'c3']) {
    clients.push(await connect(url, { transports: ['websocket'], auth: { label: name } }));
  }
  const [c1, c2, c3] = clients;
  const got = { c1: [], c2: [], c3: [] };
  clients.forEach((c, i) => c.on('room_msg', (msg) => got['c' + (i + 1)].push(msg)));
  const sentinel = () => Promise.all(clients.map((c) => once(c, 'sentinel', 'sentinel')));

  await ack(c1, 'join', 'red');
  await ack(c2, 'join', 'red');
  await ack(c3, 'join', 'blue');
  const out = { c1Rooms: await ack(c1, 'my_rooms'), c1Sid: c1.id };

  // to a room, skipping the sender
  let s = sentinel();
  await ack(c1, 'room_emit', { room: 'red', msg: 'red-skip-self', skip: true });
  await s;
  // to several rooms
  s = sentinel();
  await ack(c3, 'room_emit', { room: ['red', 'blue'], msg: 'red+blue' });
  await s;
  // to everyone, skipping two sids
  s = sentinel();
  await ack(c2, 'room_emit', { room: null, msg: 'all-but-two', skip: [c1.id, c2.id] });
  await s;
  // leave, then close the room: nobody gets it any more
  await ack(c2, 'leave', 'red');
  s = sentinel();
  await ack(c3, 'room_emit', { room: 'red', msg: 'after-leave' });
  await s;
  await ack(c3, 'close', 'red');
  out.c1RoomsAfterClose = await ack(c1, 'my_rooms');
  s = sentinel();
  await ack(c3, 'room_emit', { room: 'red', msg: 'after-close' });
  await s;
  out.got = got;
  clients.forEach((c) => c.close());
  return out;
}

async function ordered() {
  const socket = await connect(orderedUrl, { transports: ['websocket'] });
  for (let i = 0; i < 200; i++) socket.emit('seq', i);
  const seen = await ack(socket, 'seq_done');
  // python-engineio refuses HTTP payloads of more than 16 packets, and the JS
  // client batches everything buffered into one POST: send in chunks of 10.
  const pollingSocket = await connect(orderedUrl, { transports: ['polling'] });
  for (let i = 0; i < 200; i++) {
    pollingSocket.emit('seq', i);
    if (i % 10 === 9) await ack(pollingSocket, 'ping');
  }
  const seenPolling = await ack(pollingSocket, 'seq_done');
  socket.close();
  pollingSocket.close();
  return { websocket: seen, polling: seenPolling };
}

async function main() {
  const run = async (name, fn) => {
    try {
      summary[name] = await fn();
    } catch (err) {
      summary.errors.push(name + ' (last step: ' + lastStep + '): ' +
        (err && err.stack ? err.stack : String(err)));
    }
  };
  await run('polling', () => core('polling', ['polling']));
  await run('websocket', () => core('websocket', ['websocket']));
  await run('upgrade', () => core('upgrade', undefined));
  await run('clientDisconnectWs', () => disconnectFromClient(['websocket']));
  await run('clientDisconnectPolling', () => disconnectFromClient(['polling']));
  await run('refusals', refusals);
  await run('rooms', rooms);
  await run('ordered', ordered);
  console.log(JSON.stringify(summary));
  process.exit(0);
}

main();
