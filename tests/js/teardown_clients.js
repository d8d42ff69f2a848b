// Clients of the threaded-server teardown test: N socket.io connections
// (WebSocket only) that join rooms, then all go away at the same moment.
//
//   node teardown_clients.js <url> <clients> <disconnect|kill> [timeoutSeconds]
//
// Client n connects with auth {i: n} and, once connected, emits "join" with
// the rooms "even" or "odd", "pair<n/2>" and "mine<n>", waiting for the
// acknowledgement (the server answers with the client's rooms). When every
// client has joined and received some "tick" broadcasts it prints
// {"all_joined": N, ...}, then:
//   disconnect: calls disconnect() on every socket in one synchronous loop,
//               prints a JSON summary and exits a second later;
//   kill:       prints {"kill_me": true} and waits to be killed by PID (the
//               operating system then closes every connection at once).
const { io } = require('socket.io-client');

const url = process.argv[2];
const total = parseInt(process.argv[3], 10);
const mode = process.argv[4];
const timeoutSeconds = parseFloat(process.argv[5] || '120');

const stats = {
  clients: total, connected: 0, joined: 0, with_ticks: 0, bad_rooms: 0, errors: [],
  unexpected_disconnects: 0,
};
const sockets = [];
const ticks = new Array(total).fill(0);
let tornDown = false;

function say(values) {
  console.log(JSON.stringify(values));
}

function teardown() {
  if (tornDown) return;
  tornDown = true;
  stats.errors = stats.errors.slice(0, 10);
  stats.ticks_min = Math.min(...ticks);
  say({ all_joined: stats.joined, ticks_min: stats.ticks_min });
  if (mode === 'kill') {
    say({ kill_me: true });
    return;
  }
  const start = Date.now();
  for (const s of sockets) s.disconnect();
  stats.disconnect_ms = Date.now() - start;
  say(stats);
  setTimeout(() => process.exit(0), 1000);
}

function maybeReady() {
  if (stats.joined === total && stats.with_ticks === total) teardown();
}

function open(i) {
  const socket = io(url, {
    transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60000,
    auth: { i },
  });
  sockets.push(socket);
  socket.on('connect', () => {
    stats.connected += 1;
    const rooms = [i % 2 ? 'odd' : 'even', `pair${i >> 1}`, `mine${i}`];
    socket.emit('join', rooms, (joined) => {
      for (const room of [...rooms, `group${i % 10}`, `own${i}`, socket.id]) {
        if (!joined.includes(room)) stats.bad_rooms += 1;
      }
      stats.joined += 1;
      maybeReady();
    });
  });
  socket.on('connect_error', (err) => stats.errors.push(`client ${i}: ${err.message}`));
  socket.on('tick', () => {
    ticks[i] += 1;
    if (ticks[i] === 1) {
      stats.with_ticks += 1;
      maybeReady();
    }
  });
  socket.on('disconnect', (reason) => {
    if (!tornDown) {
      stats.unexpected_disconnects += 1;
      stats.errors.push(`client ${i} disconnected: ${reason}`);
    }
  });
}

// open the connections in small batches so that the server is not flooded
let opened = 0;
const batch = setInterval(() => {
  for (let k = 0; k < 50 && opened < total; k += 1) open(opened++);
  if (opened >= total) clearInterval(batch);
}, 20);
setTimeout(() => {
  stats.reason = 'timeout';
  stats.errors = stats.errors.slice(0, 10);
  say(stats);
  process.exit(1);
}, timeoutSeconds * 1000);
