// The official Node.js socket.io server, for tests/e2e/test_async_client.py.
//
// usage: node async_node_server.js <port>
// Namespaces "/" (auth token "secret" required) and "/chat".
'use strict';

const { createServer } = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2]);
const httpServer = createServer();
const io = new Server(httpServer, { pingInterval: 1000, pingTimeout: 2000 });

io.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  if (auth.token !== 'secret') {
    const err = new Error('bad token');
    err.data = { hint: 'secret' };
    return next(err);
  }
  return next();
});

io.on('connection', (socket) => {
  socket.emit('welcome', { id: socket.id, pid: process.pid });
  socket.on('echo', (...args) => {
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    if (cb) cb(...args);
  });
  socket.on('describe', (value, cb) => {
    const kind = (v) => (Buffer.isBuffer(v) ? 'buffer' : Array.isArray(v) ? 'array' : typeof v);
    cb({ top: kind(value), nested: kind(value && value.inner && value.inner[0]) });
  });
  socket.on('ask', async (question, cb) => {
    const answer = await socket.timeout(5000).emitWithAck('question', question);
    cb(answer);
  });
  socket.on('seq', (i) => { (socket.data.seq = socket.data.seq || []).push(i); });
  socket.on('seq_check', (cb) => cb(socket.data.seq || []));
  socket.on('kick_me', () => socket.disconnect(true));
});

io.of('/chat').on('connection', (socket) => {
  socket.on('echo', (...args) => {
    const cb = args.pop();
    cb('chat', ...args);
  });
});

httpServer.listen(port, '127.0.0.1');
