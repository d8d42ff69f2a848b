// An official Node.js socket.io 4.8.x server for the Python Client tests
// (tests/e2e/test_client_node_server.py).
//
// Usage: node client_node_server.js PORT
// Listens on 127.0.0.1:PORT and prints {"listening": PORT} once ready.
//
// Namespaces:
//   /         accepts everyone, except when auth.refuse is set (refused with data)
//   /chat     requires auth.token === 'secret' (refused with data otherwise)
//   /private  always refuses, with data
// Events (on / and /chat), every one answering through its ack when asked:
//   echo(...args)            acks the same arguments back
//   describe(...args)        acks a JSON description: Buffers become {"$bin": hex}
//   whoami()                 acks {nsp, id, auth, transport}
//   push(event, ...args)     emits `event` with args to the caller
//   push_binary()            emits 'binary' with nested Buffers built by the server
//   ask(event, ...args)      calls the client (timeout 5 s) and acks {answer} or {error}
//   ask_briefly(event, ...)  the same with a 300 ms timeout
//   kick()                   disconnects the caller's socket from the namespace
//   reasons()                acks every disconnect reason seen so far, as [nsp, reason]
//   silent()                 never acknowledges

const http = require('http');
const { Server } = require('socket.io');

const port = parseInt(process.argv[2], 10);
const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval: 5000, pingTimeout: 5000 });
const reasons = [];

function describe(value) {
  if (Buffer.isBuffer(value)) return { $bin: value.toString('hex') };
  if (value instanceof ArrayBuffer) return { $bin: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(describe);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value)) out[key] = describe(value[key]);
    return out;
  }
  return value;
}

function lastAck(args) {
  return typeof args[args.length - 1] === 'function' ? args.pop() : null;
}

function setup(nsp) {
  nsp.on('connection', (socket) => {
    socket.on('disconnect', (reason) => reasons.push([nsp.name, reason]));
    socket.on('echo', (...args) => {
      const ack = lastAck(args);
      if (ack) ack(...args);
    });
    socket.on('describe', (...args) => {
      const ack = lastAck(args);
      if (ack) ack(describe(args));
    });
    socket.on('whoami', (...args) => {
      const ack = lastAck(args);
      if (ack) {
        ack({ nsp: nsp.name, id: socket.id, auth: socket.handshake.auth,
              transport: socket.conn.transport.name });
      }
    });
    socket.on('push', (event, ...args) => {
      const ack = lastAck(args);
      socket.emit(event, ...args);
      if (ack) ack();
    });
    socket.on('push_binary', (...args) => {
      const ack = lastAck(args);
      socket.emit('binary', { top: Buffer.from([0, 1, 2, 255]),
                              list: [Buffer.from('xy'), { deep: Buffer.from('z') }] },
                  'text', 42);
      if (ack) ack();
    });
    for (const [name, timeout] of [['ask', 5000], ['ask_briefly', 300]]) {
      socket.on(name, (event, ...args) => {
        const ack = lastAck(args);
        socket.timeout(timeout).emitWithAck(event, ...args).then(
          (answer) => ack && ack({ answer: answer === undefined ? null : answer }),
          (err) => ack && ack({ error: err.message }));
      });
    }
    socket.on('kick', (...args) => {
      const ack = lastAck(args);
      if (ack) ack();
      setTimeout(() => socket.disconnect(), 20);
    });
    socket.on('reasons', (...args) => {
      const ack = lastAck(args);
      if (ack) ack(reasons);
    });
    socket.on('silent', () => {});
  });
}

function refusal(message, data) {
  const err = new Error(message);
  err.data = data;
  return err;
}

io.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  if (auth.refuse) return next(refusal('refused by /', { code: 401, nsp: '/' }));
  next();
});
io.of('/chat').use((socket, next) => {
  const auth = socket.handshake.auth || {};
  if (auth.token === 'secret') return next();
  next(refusal('not authorized', { code: 403, token: auth.token === undefined ? null : auth.token }));
});
io.of('/private').use((socket, next) => next(refusal('private', { code: 403, why: 'private' })));

setup(io.of('/'));
setup(io.of('/chat'));

httpServer.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: port }));
});
