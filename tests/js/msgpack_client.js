// JS socket.io-client using socket.io-msgpack-parser against a Python server
// created with serializer='msgpack'. Exercises events and acks both ways,
// with binary payloads, and prints one JSON line (Buffers as {bin: [...]}).
// usage: node msgpack_client.js <url> <transport: polling|websocket|default>
const { io } = require('socket.io-client');
const parser = require('socket.io-msgpack-parser');

const [url, transport = 'default'] = process.argv.slice(2);
const options = { parser, reconnection: false };
if (transport !== 'default') options.transports = [transport];

const plain = (value) => {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return { bin: Array.from(value) };
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
};

const result = { pushes: [], echo: null, answerWas: null, transport: null, error: null };
const finish = (code) => { console.log(JSON.stringify(result)); process.exit(code); };
setTimeout(() => { result.error = 'timeout'; finish(1); }, 15000);

const socket = io(url, options);
socket.on('connect_error', (err) => { result.error = err.message; finish(1); });
socket.on('push', (...args) => { result.pushes.push(plain(args)); });
socket.on('question', (n, bin, callback) => {
  callback(n + 1, Buffer.from([...bin, 9]));
});
socket.on('answer_was', (...args) => {
  result.answerWas = plain(args);
  socket.emit('echo', { text: 'héllo', bin: Buffer.from([0, 1, 255]), list: [1, 2.5, null] },
    (...answer) => {
      result.echo = plain(answer);
      result.transport = socket.io.engine.transport.name;
      socket.disconnect();
      finish(0);
    });
});
