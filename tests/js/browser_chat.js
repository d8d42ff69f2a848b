// Drives the demo chat (examples/chat) in headless Chromium with playwright-core.
//
//   node browser_chat.js URL SCREENSHOT_DIR
//
// Two pages (alice and bob) set their nicknames, join a room and chat both
// ways; the script checks what each page shows (messages, delivered ticks,
// who is online, the room list). It always saves one screenshot per page in
// SCREENSHOT_DIR and prints one JSON line: {"ok": true, ...} or
// {"ok": false, "error": ..., "screenshots": [...]} (then exits with 1).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, shotDir] = process.argv.slice(2);
const STEP = 10000; // ms allowed for each thing we wait for
const ROOM = 'tea';

async function openUser(context, nickname) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'online');
  // The server gives a guest name first; replace it with ours.
  await page.waitForFunction(() => document.getElementById('nickname').value.startsWith('guest-'));
  await page.fill('#nickname', nickname);
  await page.click('#set-nickname');
  await page.waitForFunction((n) => sessionStorage.getItem('nickname') === n, nickname);
  return { page, nickname, errors };
}

async function join(user, room) {
  await user.page.fill('#room-name', room);
  await user.page.click('#join');
  await user.page.waitForFunction(
    (r) => document.getElementById('room-title').textContent === '# ' + r, room);
}

function listText(page, selector) {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent));
}

async function waitForUsers(user, names) {
  await user.page.waitForFunction(
    (want) => JSON.stringify([...document.querySelectorAll('#users li')].map((e) => e.textContent))
      === JSON.stringify(want), names);
}

async function send(user, text) {
  await user.page.fill('#message-input', text);
  await user.page.click('#send');
  // The tick turns into ✓ when the server's acknowledgement arrives.
  await user.page.waitForFunction((t) => [...document.querySelectorAll('#messages li.mine')]
    .some((li) => li.querySelector('.text').textContent === t
      && li.classList.contains('delivered')
      && li.querySelector('.tick').textContent === '✓'), text);
}

async function waitForMessage(user, from, text) {
  await user.page.waitForFunction(([f, t]) => [...document.querySelectorAll('#messages li')]
    .some((li) => !li.classList.contains('mine')
      && li.querySelector('.from')?.textContent === f
      && li.querySelector('.text')?.textContent === t), [from, text]);
}

async function snapshot(user) {
  return user.page.evaluate(() => ({
    status: document.getElementById('status').textContent,
    nickname: document.getElementById('nickname').value,
    title: document.getElementById('room-title').textContent,
    users: [...document.querySelectorAll('#users li')].map((e) => e.textContent),
    rooms: [...document.querySelectorAll('#rooms li')].map((li) => ({
      name: li.dataset.room,
      count: li.querySelector('.count').textContent,
      active: li.classList.contains('active'),
    })),
    messages: [...document.querySelectorAll('#messages li')].map((li) => ({
      from: li.querySelector('.from')?.textContent,
      text: li.querySelector('.text')?.textContent,
      mine: li.classList.contains('mine'),
      delivered: li.classList.contains('delivered'),
      tick: li.querySelector('.tick')?.textContent ?? null,
    })),
  }));
}

async function screenshots(users) {
  const files = [];
  for (const user of users) {
    const file = path.join(shotDir, `chat-${user.nickname}.png`);
    try {
      await user.page.screenshot({ path: file, timeout: STEP });
      files.push(file);
    } catch (e) { /* the page may be gone */ }
  }
  return files;
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1000, height: 620 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const users = [];
  try {
    const alice = await openUser(context, 'alice');
    users.push(alice);
    const bob = await openUser(context, 'bob');
    users.push(bob);

    await join(alice, ROOM);
    await join(bob, ROOM);
    await waitForUsers(alice, ['alice', 'bob']);
    await waitForUsers(bob, ['alice', 'bob']);

    await send(alice, 'Hi Bob! <b>not bold</b>');
    await waitForMessage(bob, 'alice', 'Hi Bob! <b>not bold</b>');
    await send(bob, 'Hello Alice ✓');
    await waitForMessage(alice, 'bob', 'Hello Alice ✓');
    // Both room lists count two people in the room.
    for (const user of users) {
      await user.page.waitForFunction((r) => document.querySelector(
        `#rooms li[data-room="${r}"] .count`)?.textContent === '2', ROOM);
    }

    const result = { ok: true, alice: await snapshot(alice), bob: await snapshot(bob) };
    for (const user of users) {
      if (user.errors.length) throw new Error(`${user.nickname}: page errors ${user.errors}`);
    }
    result.screenshots = await screenshots(users);
    console.log(JSON.stringify(result));
  } catch (err) {
    const shots = await screenshots(users);
    const pages = {};
    for (const user of users) pages[user.nickname] = await snapshot(user).catch(() => null);
    console.log(JSON.stringify({ ok: false, error: String(err && err.stack || err),
      screenshots: shots, pages }));
    process.exitCode = 1;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.log(JSON.stringify({ ok: false, error: String(err && err.stack || err) }));
  process.exit(1);
});
