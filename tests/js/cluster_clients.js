// Official Socket.IO clients in a cluster of Python servers (docs/cluster.rst):
// two clients connect to server A and two to server B, each answering the
// "question" event its own way (one value, two values, no value, no answer
// at all). Once all are connected, the first one asks server A for
// call_all("question", "js") to everyone and for fetch_sockets(), and the
// script prints the results with the clients' sids as one JSON line.
// usage: node cluster_clients.js <url of A> <url of B>
const { io } = require('socket.io-client');

const [urlA, urlB] = process.argv.slice(2);
const result = { sids: {}, call: null, fetch: null, error: null };
const done = (code = 0) => {
  console.log(JSON.stringify(result));
  process.exit(code);
};
setTimeout(() => { result.error = 'timeout'; done(1); }, 20000);

const specs = [['ja1', urlA, 'one'], ['ja2', urlA, 'two'], ['jb1', urlB, 'none'],
               ['jb2', urlB, 'silent']];
const clients = specs.map(([name, url, mode]) => {
  const client = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  client.on('question', (data, ack) => {
    if (mode === 'one') ack(`${name}:${data}`);
    else if (mode === 'two') ack(name, data);
    else if (mode === 'none') ack();
  });
  client.on('connect_error', (err) => { result.error = err.message; done(1); });
  client.on('connect', () => {
    result.sids[name] = client.id;
    if (Object.keys(result.sids).length === specs.length) ask();
  });
  return client;
});

const ask = () => {
  clients[0].emit('call_all', { event: 'question', data: 'js', timeout: 2 }, (call) => {
    result.call = call;
    clients[0].emit('fetch', {}, (fetched) => {
      result.fetch = fetched;
      clients.forEach((c) => c.disconnect());
      done(0);
    });
  });
};
