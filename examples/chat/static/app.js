// Demo chat page. Talks to examples/chat/app.py with the official Socket.IO
// browser client (window.io, from static/vendor/socket.io.min.js).
'use strict';

const $ = (id) => document.getElementById(id);

const state = {
  nickname: sessionStorage.getItem('nickname') || '',
  rooms: new Map(),   // joined room name -> { messages: [], users: [] }
  current: null,      // room shown in the middle column
  known: [],          // every room on the server: [{ name, count }]
  counter: 0,         // for message ids
  unread: new Set(),  // joined rooms with messages not seen yet
};

// `auth` is a function so that a reconnection sends the current nickname.
const socket = io({ auth: (cb) => cb({ nickname: state.nickname }) });

// ---------------------------------------------------------------- rendering
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;  // never innerHTML: no injection
  return node;
}

function renderRooms() {
  const list = $('rooms');
  list.replaceChildren();
  const names = new Set(state.known.map((r) => r.name));
  for (const name of state.rooms.keys()) names.add(name);
  for (const name of [...names].sort((a, b) => a.localeCompare(b))) {
    const info = state.known.find((r) => r.name === name);
    const li = el('li', 'room');
    li.dataset.room = name;
    if (state.rooms.has(name)) li.classList.add('joined');
    if (name === state.current) li.classList.add('active');
    if (state.unread.has(name)) li.classList.add('unread');
    li.append(el('span', 'name', '# ' + name), el('span', 'count', String(info ? info.count : 0)));
    li.title = state.rooms.has(name) ? 'show this room' : 'join this room';
    li.addEventListener('click', () => (state.rooms.has(name) ? show(name) : join(name)));
    list.append(li);
  }
}

function renderMessages() {
  const list = $('messages');
  list.replaceChildren();
  const room = state.rooms.get(state.current);
  if (!room) return;
  for (const m of room.messages) {
    const li = el('li', 'msg' + (m.mine ? ' mine' : '') + (m.system ? ' system' : ''));
    li.dataset.id = m.id || '';
    if (m.system) {
      li.textContent = m.text;
    } else {
      const time = new Date(m.time * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      li.append(el('span', 'from', m.from), el('span', 'text', m.text), el('time', 'time', time));
      if (m.mine) {
        const tick = el('span', 'tick', m.failed ? '!' : m.delivered ? '✓' : '…');
        tick.title = m.failed ? 'not delivered: ' + m.failed : m.delivered ? 'delivered' : 'sending';
        li.classList.add(m.failed ? 'failed' : m.delivered ? 'delivered' : 'pending');
        li.append(tick);
      }
    }
    list.append(li);
  }
  list.scrollTop = list.scrollHeight;
}

function renderUsers() {
  const list = $('users');
  list.replaceChildren();
  const room = state.rooms.get(state.current);
  for (const name of room ? room.users : []) {
    list.append(el('li', name === state.nickname ? 'user me' : 'user', name));
  }
}

function render() {
  const inRoom = state.rooms.has(state.current);
  $('room-title').textContent = inRoom ? '# ' + state.current : 'Join a room to start chatting';
  $('message-input').disabled = !inRoom;
  $('send').disabled = !inRoom;
  $('leave').disabled = !inRoom;
  renderRooms();
  renderMessages();
  renderUsers();
}

function show(name) {
  state.current = name;
  state.unread.delete(name);
  render();
  $('message-input').focus();
}

// ---------------------------------------------------------------- actions
function join(name) {
  socket.emit('join', { room: name }, (ack) => {
    if (!ack || !ack.ok) return;
    if (!state.rooms.has(ack.room)) state.rooms.set(ack.room, { messages: [], users: [] });
    state.rooms.get(ack.room).users = ack.users;
    show(ack.room);
  });
}

function leave(name) {
  socket.emit('leave', { room: name }, () => {
    state.rooms.delete(name);
    state.current = state.rooms.keys().next().value || null;
    render();
  });
}

function setNickname(name) {
  socket.emit('set_nickname', { nickname: name }, (ack) => {
    if (!ack || !ack.ok) return;
    state.nickname = ack.nickname;
    sessionStorage.setItem('nickname', ack.nickname);
    $('nickname').value = ack.nickname;
    render();
  });
}

function send(text) {
  const room = state.rooms.get(state.current);
  const msg = {
    id: `${socket.id}-${++state.counter}`, from: state.nickname, text,
    time: Date.now() / 1000, mine: true, delivered: false, failed: null,
  };
  room.messages.push(msg);
  renderMessages();
  // The server acknowledges the message once it has passed it on to the room;
  // only then is it shown as delivered.
  socket.timeout(10000).emit('message', { room: state.current, text, id: msg.id }, (err, ack) => {
    if (err) msg.failed = 'no answer from the server';
    else if (!ack.ok) msg.failed = ack.error;
    else { msg.delivered = true; msg.time = ack.time; }
    renderMessages();
  });
}

// ---------------------------------------------------------------- server events
socket.on('connect', () => {
  $('status').textContent = 'online';
  $('status').className = 'status online';
  // After a reconnection the server has forgotten our rooms: join them again.
  for (const name of state.rooms.keys()) socket.emit('join', { room: name }, () => {});
  socket.emit('hello', (info) => {
    state.nickname = info.nickname;
    $('nickname').value = info.nickname;
    state.known = info.rooms;
    render();
  });
});

socket.on('disconnect', () => {
  $('status').textContent = 'offline, reconnecting…';
  $('status').className = 'status offline';
});

socket.on('connect_error', (err) => {
  $('status').textContent = 'cannot connect: ' + err.message;
  $('status').className = 'status offline';
});

socket.on('rooms', (rooms) => { state.known = rooms; renderRooms(); });

socket.on('users', ({ room, users }) => {
  const joined = state.rooms.get(room);
  if (!joined) return;
  joined.users = users;
  if (room === state.current) renderUsers();
});

socket.on('message', (m) => {
  const joined = state.rooms.get(m.room);
  if (!joined) return;
  joined.messages.push({ ...m, mine: false });
  if (m.room === state.current) renderMessages();
  else { state.unread.add(m.room); renderRooms(); }
});

// ---------------------------------------------------------------- page events
$('nickname').value = state.nickname;
$('nickname-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('nickname').value.trim();
  if (name) setNickname(name);
});
$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('room-name').value.trim();
  if (name) { join(name); $('room-name').value = ''; }
});
$('leave').addEventListener('click', () => state.current && leave(state.current));
$('message-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('message-input').value.trim();
  if (text && state.rooms.has(state.current)) { send(text); $('message-input').value = ''; }
});
render();
