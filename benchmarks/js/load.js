// Load client for the end-to-end benchmark: many websocket clients in one
// Node.js process. Prints one JSON line with the results.
//
// Usage: node load.js '{"proto": "sio"|"eio", "mode": "echo"|"fanout",
//                      "url": "http://127.0.0.1:PORT", "clients": 50,
//                      "warmup": 1, "duration": 5, "window": 4}'
//
// echo:   every client sends a message and waits for the answer before it
//         sends the next (socket.io: an event with an ack; engine.io: a
//         message the server sends back). Counts round trips per second.
// fanout: client 0 asks the server to broadcast a message to every client,
//         keeping `window` broadcasts in flight (the next one leaves when a
//         previous one reached every client). Counts deliveries per second;
//         latency is from the request to each delivery.
'use strict';
const peers = require('./peers');

const cfg = JSON.parse(process.argv[2]);
const TEXT = 'hello, benchmark';

function now() {
  return Number(process.hrtime.bigint()) / 1e6; // ms
}

function percentile(sorted, pct) {
  if (!sorted.length) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((pct / 100) * sorted.length) - 1));
  return sorted[rank];
}

function openClient(index) {
  return new Promise((resolve, reject) => {
    let sock;
    if (cfg.proto === 'sio') {
      const { io } = peers('socket.io-client');
      sock = io(cfg.url, {
        transports: ['websocket'], forceNew: true, reconnection: false,
        // no permessage-deflate: inflating every message made this process
        // the bottleneck of the fan-out workload (see benchmarks/README.md)
        perMessageDeflate: false,
      });
      sock.once('connect', () => resolve(sock));
      sock.once('connect_error', (err) => reject(new Error(`client ${index}: ${err.message}`)));
    } else {
      const { Socket } = peers('engine.io-client');
      sock = new Socket(cfg.url, { transports: ['websocket'], perMessageDeflate: false });
      sock.once('open', () => resolve(sock));
      sock.once('error', (err) => reject(new Error(`client ${index}: ${err}`)));
    }
  });
}

function send(sock, kind, payload, ack) {
  if (cfg.proto === 'sio') {
    if (ack) sock.emit(kind, payload, ack);
    else sock.emit(kind, payload);
  } else {
    sock.send(kind[0] + JSON.stringify(payload));
  }
}

function onMessage(sock, handler) {
  if (cfg.proto === 'sio') sock.on('msg', handler);
  else sock.on('message', (data) => handler(JSON.parse(data.slice(1))));
}

async function main() {
  const clients = [];
  const batch = 25; // connect in batches, not all at once
  for (let i = 0; i < cfg.clients; i += batch) {
    const opening = [];
    for (let j = i; j < Math.min(cfg.clients, i + batch); j++) opening.push(openClient(j));
    clients.push(...(await Promise.all(opening)));
  }
  let recording = false;
  let running = true;
  let count = 0;
  const latencies = [];
  let lastProgress = now();

  if (cfg.mode === 'echo') {
    clients.forEach((sock, index) => {
      let seq = 0;
      let sentAt = 0;
      const done = () => {
        lastProgress = now();
        if (recording) {
          count += 1;
          latencies.push(lastProgress - sentAt);
        }
        if (running) go();
      };
      const go = () => {
        seq += 1;
        sentAt = now();
        send(sock, 'echo', { client: index, seq, text: TEXT }, done);
      };
      if (cfg.proto === 'eio') sock.on('message', done);
      go();
    });
  } else {
    const inflight = new Map();
    let next = 0;
    const driver = clients[0];
    const broadcast = () => {
      next += 1;
      inflight.set(next, { sentAt: now(), received: 0 });
      send(driver, 'bcast', { seq: next, text: TEXT });
    };
    clients.forEach((sock) => {
      onMessage(sock, (data) => {
        const entry = inflight.get(data.seq);
        if (!entry) return;
        const t = now();
        lastProgress = t;
        entry.received += 1;
        if (recording) {
          count += 1;
          latencies.push(t - entry.sentAt);
        }
        if (entry.received === clients.length) {
          inflight.delete(data.seq);
          if (running) broadcast();
        }
      });
    });
    for (let i = 0; i < cfg.window; i++) broadcast();
  }

  const stall = setInterval(() => {
    if (now() - lastProgress > 10000) {
      console.error('no progress for 10 s');
      process.exit(2);
    }
  }, 1000);
  await new Promise((r) => setTimeout(r, cfg.warmup * 1000));
  recording = true;
  const start = now();
  await new Promise((r) => setTimeout(r, cfg.duration * 1000));
  recording = false;
  const elapsed = (now() - start) / 1000;
  running = false;
  clearInterval(stall);
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    proto: cfg.proto,
    mode: cfg.mode,
    clients: clients.length,
    seconds: elapsed,
    count,
    per_second: count / elapsed,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
  }));
  for (const sock of clients) sock.close();
  setTimeout(() => process.exit(0), 200);
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
