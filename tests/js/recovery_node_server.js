// The official Node.js socket.io server with connection state recovery, for
// the Python clients of tests/e2e/test_recovery.py.
//
// usage: node recovery_node_server.js PORT
// Prints {"listening": PORT} once ready. Events on "/", answered by ack:
//   hello()                 emits "hi" to the caller (an event with an offset)
//   join(room)              puts the caller in a room
//   status()                {id, recovered, rooms}
//   wait_gone(id)           true once the socket `id` is gone
//   emit_gap({sid, room, n}) emits "gap" 0..n-1 to sid, "gap_room" to room,
//                           "gap_skip" to room except sid, "gap_other" to
//                           another room and "gap_all" to everyone
//   echo(...args)           acks the same arguments
//   silent()                never acknowledges
'use strict';

const http = require('http');
const { Server } = require('socket.io');

const port = parseInt(process.argv[2], 10);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: 5000,
  pingTimeout: 5000,
  connectionStateRecovery: { maxDisconnectionDuration: 30000, skipMiddlewares: true },
});

function lastAck(args) {
  return typeof args[args.length - 1] === 'function' ? args.pop() : () => {};
}

io.on('connection', (socket) => {
  socket.on('hello', (...args) => {
    const ack = lastAck(args);
    socket.emit('hi', 'there');
    ack(true);
  });
  socket.on('join', (room, ...args) => {
    socket.join(room);
    lastAck(args)(true);
  });
  socket.on('status', (...args) => {
    lastAck(args)({ id: socket.id, recovered: socket.recovered, rooms: [...socket.rooms].sort() });
  });
  socket.on('wait_gone', (id, ...args) => {
    const ack = lastAck(args);
    const deadline = Date.now() + 10000;
    const check = () => {
      if (!io.of('/').sockets.has(id)) return ack(true);
      if (Date.now() > deadline) return ack(false);
      setTimeout(check, 20);
    };
    check();
  });
  socket.on('emit_gap', (spec, ...args) => {
    for (let i = 0; i < spec.n; i++) io.to(spec.sid).emit('gap', i);
    io.to(spec.room).emit('gap_room', spec.room);
    io.to(spec.room).except(spec.sid).emit('gap_skip', spec.room);
    io.to('nobody').emit('gap_other', 'x');
    io.emit('gap_all', 'everyone');
    lastAck(args)(true);
  });
  socket.on('echo', (...args) => {
    const ack = lastAck(args);
    ack(...args);
  });
  socket.on('silent', () => {});
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: port }));
});
