// The Node.js socket.io server running the benchmark workloads, for reference.
// Usage: node sio_server.js PORT
'use strict';
const peers = require('./peers');
const { Server } = peers('socket.io');

const port = Number(process.argv[2]);
const io = new Server(port, { serveClient: false });
io.on('connection', (socket) => {
  socket.on('echo', (data, ack) => ack(data));
  socket.on('bcast', (data) => io.emit('msg', data));
});
process.on('SIGTERM', () => process.exit(0));
console.log(JSON.stringify({ listening: port }));
