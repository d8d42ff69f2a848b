// Node socket.io server with socket.io-msgpack-parser, for our
// Client(serializer='msgpack'). Prints {"port": N} once listening.
// Events: "echo" acks back its arguments; on connect it emits "welcome" with
// binary data; "ask" makes the server emit "question" with an ack and emit the
// answer back as "answer_was"; "bye" disconnects the socket from the server.
// usage: node msgpack_server.js <port>
const { Server } = require('socket.io');
const parser = require('socket.io-msgpack-parser');

const port = Number(process.argv[2]);
const io = new Server(port, { parser });

io.on('connection', (socket) => {
  socket.emit('welcome', { sid: socket.id, bin: Buffer.from([1, 2, 3]) });
  socket.on('echo', (...args) => {
    const callback = args.pop();
    callback(...args);
  });
  socket.on('ask', (n) => {
    socket.emit('question', n, Buffer.from([7]), (...answer) => {
      socket.emit('answer_was', ...answer);
    });
  });
  socket.on('bye', () => socket.disconnect(true));
});
io.of('/chat').on('connection', (socket) => {
  socket.on('echo', (...args) => args.pop()(...args));
});
console.log(JSON.stringify({ port }));
