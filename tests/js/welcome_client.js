// Connects the official socket.io-client to a python-socketio server whose
// connect handler emits 'welcome' (the client's sid) to the client, and
// prints {"ok": true} when that event arrives after the connection, with
// the client's own id (tests/e2e/test_drop_in_518.py).
//
// usage: node welcome_client.js <url>
'use strict';
const { io } = require('socket.io-client');

const socket = io(process.argv[2], { forceNew: true, reconnection: false,
                                     transports: ['websocket'] });
const seen = [];
const timer = setTimeout(() => finish(false, 'timeout'), 10000);

function finish(ok, why) {
  clearTimeout(timer);
  socket.close();
  console.log(JSON.stringify({ ok, why, seen }));
}

socket.on('connect', () => seen.push('connect'));
socket.on('welcome', (sid) => {
  seen.push('welcome');
  finish(seen[0] === 'connect' && sid === socket.id, 'welcome with ' + sid);
});
socket.on('connect_error', (err) => finish(false, err.message));
