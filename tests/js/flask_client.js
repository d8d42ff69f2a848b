// JS socket.io-client against a Flask-SocketIO application served by this
// package (see tests/e2e/test_flask_socketio.py for the server side).
// Runs one scenario after the other and prints one JSON line.
// usage: node flask_client.js <url>
const { io } = require('socket.io-client');

const [url] = process.argv.slice(2);
const result = { error: null, joined: [] };
const finish = (code) => { console.log(JSON.stringify(result)); process.exit(code); };
setTimeout(() => { result.error = 'timeout'; finish(1); }, 20000);

const once = (socket, event) => new Promise((resolve) => socket.once(event, resolve));
const ack = (socket, ...args) => socket.timeout(5000).emitWithAck(...args);

async function main() {
  const socket = io(url, { auth: { user: 'js' }, reconnection: false });
  result.welcome = await once(socket, 'welcome');
  result.echo = await ack(socket, 'echo', { n: [1, 2, 3] });
  result.multi = await new Promise((resolve) => socket.emit('echo', 1, 'two', (...a) => resolve(a)));
  socket.emit('set_user', 'renamed');
  result.whoami = await ack(socket, 'whoami');

  socket.emit('background');
  result.fromThread = await once(socket, 'from_thread');

  socket.send('text');
  result.message = await once(socket, 'message');
  socket.emit('json', { k: 'v' });
  result.json = await once(socket, 'json');

  // server -> client acknowledgement
  socket.on('question', (n, callback) => callback(n + 1, 'from js'));
  socket.emit('ask', 41);
  result.answerWas = await once(socket, 'answer_was');

  // a class-based namespace on the same connection
  const chat = io(url + '/chat', { reconnection: false });
  result.chatWelcome = await once(chat, 'welcome');
  result.chatEcho = await ack(chat, 'echo', 'x');

  // rooms, with a second connection
  const other = io(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
  await once(other, 'welcome');
  result.otherSid = other.id;
  socket.on('joined', (info) => result.joined.push(info));
  socket.emit('join', 'green');
  await once(socket, 'joined');
  other.emit('join', 'green');
  await once(other, 'joined');
  const shouted = once(socket, 'shouted');
  other.emit('shout', 'green', 'hi greens');
  result.shouted = await shouted;
  result.rooms = await ack(socket, 'my_rooms');

  // refusal with a ConnectionRefusedError carrying data
  const refused = io(url, { forceNew: true, reconnection: false, auth: { token: 'bad' } });
  const error = await once(refused, 'connect_error');
  result.refused = { message: error.message, data: error.data };

  // the server disconnects us
  const gone = once(other, 'disconnect');
  other.emit('kick');
  result.kickReason = await gone;

  chat.disconnect();
  socket.disconnect();
  finish(0);
}

main().catch((err) => { result.error = String(err); finish(1); });
