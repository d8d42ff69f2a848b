// Plays the Socket.IO Admin UI against a Python server instrumented with
// server.instrument(): connects to the admin namespace with the given auth,
// then connects an ordinary client to "/", which emits "hello" (the server
// handler joins a room and emits back), disconnects, and once a server_stats
// report arrived after that, prints what the admin socket saw as one JSON line.
// usage: node admin_ui.js <url> <auth-json> <development|production>
const { io } = require('socket.io-client');

const [url, authJson, mode = 'development'] = process.argv.slice(2);
const auth = JSON.parse(authJson);
const result = { events: {}, config: null, allSockets: null, stats: null,
                 connected: [], received: [], sent: [], roomsJoined: [],
                 disconnected: [], clientSid: null, error: null };
let clientGone = false;

const done = (code = 0) => {
  console.log(JSON.stringify(result));
  process.exit(code);
};
setTimeout(() => { result.error = 'timeout'; done(1); }, 15000);

const startClient = () => {
  const client = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  client.on('connect', () => {
    result.clientSid = client.id;
    client.emit('hello', { n: 1 }, (answer) => {
      result.ack = answer;
      client.disconnect();
      clientGone = true;
    });
  });
};

const admin = io(url + '/admin', { auth, transports: ['websocket'], reconnection: false });
admin.on('connect_error', (err) => { result.error = err.message; done(0); });
admin.onAny((event) => { result.events[event] = (result.events[event] || 0) + 1; });
admin.on('config', (config) => {
  result.config = config;
  if (mode !== 'development') startClient();
});
admin.on('all_sockets', (sockets) => { result.allSockets = sockets; startClient(); });
admin.on('socket_connected', (socket, time) => {
  result.connected.push({ nsp: socket.nsp, id: socket.id, url: socket.handshake.url,
                          transport: socket.transport, time });
});
admin.on('event_received', (nsp, sid, args) => { result.received.push([nsp, sid, args]); });
admin.on('event_sent', (nsp, sid, args) => { result.sent.push([nsp, sid, args]); });
admin.on('room_joined', (nsp, room, sid) => { result.roomsJoined.push([nsp, room, sid]); });
admin.on('socket_disconnected', (nsp, sid, reason) => {
  result.disconnected.push([nsp, sid, reason]);
});
admin.on('server_stats', (stats) => {
  result.stats = stats;
  result.totals = result.totals || {};
  for (const e of stats.aggregatedEvents) {
    result.totals[e.type] = (result.totals[e.type] || 0) + e.count;
  }
  const seen = mode !== 'development' ||
    result.disconnected.some((d) => d[1] === result.clientSid);
  if (clientGone && seen) done(0);
});
