// Plays the Socket.IO Admin UI against a Python server instrumented with
// server.instrument(): connects to the admin namespace with the given auth,
// then connects an ordinary client to "/", which joins a room and emits an
// event, and reports what the admin socket saw as one JSON line.
// usage: node admin_ui.js <url> <auth-json> [expect-stats=1]
const { io } = require('socket.io-client');

const [url, authJson, expectStats = '1'] = process.argv.slice(2);
const auth = JSON.parse(authJson);
const result = { events: {}, config: null, allSockets: null, stats: null,
                 connectedIds: [], received: [], sent: [], roomsJoined: [],
                 disconnected: [], clientSid: null, error: null };

const done = (code = 0) => {
  console.log(JSON.stringify(result));
  process.exit(code);
};
setTimeout(() => { result.error = 'timeout'; done(1); }, 15000);

const admin = io(url + '/admin', { auth, transports: ['websocket'], reconnection: false });
admin.on('connect_error', (err) => { result.error = err.message; done(0); });
admin.onAny((event) => { result.events[event] = (result.events[event] || 0) + 1; });
admin.on('config', (config) => { result.config = config; });
admin.on('all_sockets', (sockets) => {
  result.allSockets = sockets;
  // now that the admin is set up, bring in an ordinary client
  const client = io(url, { transports: ['websocket'], reconnection: false });
  client.on('connect', () => {
    result.clientSid = client.id;
    client.emit('hello', { n: 1 }, () => {
      setTimeout(() => client.disconnect(), 100);
    });
  });
});
admin.on('socket_connected', (socket, time) => {
  result.connectedIds.push([socket.nsp, socket.id, socket.handshake.url, typeof time]);
});
admin.on('event_received', (nsp, sid, args) => { result.received.push([nsp, sid, args]); });
admin.on('event_sent', (nsp, sid, args) => { result.sent.push([nsp, sid, args]); });
admin.on('room_joined', (nsp, room, sid) => { result.roomsJoined.push([nsp, room, sid]); });
admin.on('socket_disconnected', (nsp, sid, reason) => {
  result.disconnected.push([nsp, sid, reason]);
  if (sid === result.clientSid && (result.stats || expectStats !== '1')) done(0);
});
admin.on('server_stats', (stats) => {
  result.stats = stats;
  if (result.disconnected.some((d) => d[1] === result.clientSid)) done(0);
});
