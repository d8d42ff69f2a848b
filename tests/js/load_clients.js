// Load test clients: N socket.io connections (WebSocket only) that count the
// numbered "tick" broadcasts they receive.
//
//   node load_clients.js <url> <clients> [timeoutSeconds]
//
// Each client checks that ticks arrive in order without gaps; the server ends
// the run with a "done" event carrying the number of ticks it broadcast.
// Prints progress lines and, last, one JSON summary line.
const { io } = require('socket.io-client');

const url = process.argv[2];
const total = parseInt(process.argv[3], 10);
const timeoutSeconds = parseFloat(process.argv[4] || '600');

const stats = {
  clients: total, connected: 0, done: 0, expected: null, received_min: null,
  received_max: 0, gaps: 0, errors: [], unexpected_disconnects: 0,
};
const counts = new Array(total).fill(0);
const sockets = [];
let finished = false;

function finish(reason) {
  if (finished) return;
  finished = true;
  stats.reason = reason;
  stats.received_min = Math.min(...counts);
  stats.received_max = Math.max(...counts);
  stats.errors = stats.errors.slice(0, 10);
  for (const s of sockets) s.disconnect();
  console.log(JSON.stringify(stats));
  setTimeout(() => process.exit(0), 200);
}

function open(i) {
  const socket = io(url, {
    transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60000,
  });
  sockets.push(socket);
  let next = 0;
  socket.on('connect', () => {
    socket.emit('ready');
    stats.connected += 1;
    if (stats.connected === total) console.log(JSON.stringify({ all_connected: total }));
  });
  socket.on('connect_error', (err) => stats.errors.push(`client ${i}: ${err.message}`));
  socket.on('tick', (n) => {
    if (n !== next) stats.gaps += 1;
    next = n + 1;
    counts[i] += 1;
  });
  socket.on('done', (n) => {
    stats.expected = n;
    stats.done += 1;
    if (stats.done === total) finish('all done');
  });
  socket.on('disconnect', (reason) => {
    if (!finished && reason !== 'io client disconnect') {
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
setTimeout(() => finish('timeout'), timeoutSeconds * 1000);
