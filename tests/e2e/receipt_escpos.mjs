#!/usr/bin/env node
// A real ESC/POS client for the emulated receipt printer (R-8.3-1: raw
// ESC/POS on TCP 9100). It encodes a sample 办件 receipt with a standard
// encoder from npm (@point-of-sale/receipt-printer-encoder) and sends it, or
// asks the printer's real-time status.
//
//   node receipt_escpos.mjs receipt HOST PORT   send the sample receipt; exit 0 once it is sent
//   node receipt_escpos.mjs status HOST PORT    send DLE EOT 1..4 one at a time, read one byte
//                                               each (2 s timeout), print {"1": "0x12", ...};
//                                               a reply that does not come is null (exit 1)
//   node receipt_escpos.mjs encode FILE         write the receipt's bytes to FILE (no network)
//
// The encoder has no Chinese code page, so Chinese text goes in as raw
// GB18030 inside FS & ... FS . (Chinese mode), the way domestic printers take
// it. GB18030 bytes come from Node's own ICU decoder, run backwards over the
// two-byte range: no table of our own. All personal data is fictitious and
// the ID number is masked (R-9.3-1).
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';

const ESC = 0x1b, GS = 0x1d, FS = 0x1c;
const STATUS_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 5000;

let gbTable = null;
function gb18030(text) {
  if (gbTable === null) {
    gbTable = new Map();
    const decoder = new TextDecoder('gb18030');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = decoder.decode(new Uint8Array([lead, trail]));
        if (ch.length === 1 && !gbTable.has(ch)) gbTable.set(ch, [lead, trail]);
      }
    }
  }
  const out = [];
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (code < 0x80) out.push(code);
    else out.push(...(gbTable.get(ch) ?? [0x3f]));
  }
  return out;
}

// Chinese text (with any ASCII in it) as raw bytes in Chinese mode.
const chinese = (text) => [FS, 0x26, ...gb18030(text), FS, 0x2e];

function sampleReceipt() {
  const caseNo = 'BJ-2026-000123';
  const encoder = new ReceiptPrinterEncoder({ language: 'esc-pos', columns: 48 });
  return encoder
    .initialize()
    // Title: centred, double size, bold (ESC a / GS ! / ESC E around raw GB18030).
    .raw([ESC, 0x61, 1, GS, 0x21, 0x11, ESC, 0x45, 1, ...chinese('办件回执'), 0x0a, GS, 0x21, 0x00, ESC, 0x45, 0, ESC, 0x61, 0])
    .raw(chinese('事项名称：居民身份证换领'))
    .newline()
    .raw(chinese('办件编号：'))
    .text(caseNo)
    .newline()
    .raw(chinese('证件号码：'))
    .text('1101**********1234')
    .newline()
    .line('Case: ' + caseNo)
    .line('ID: 1101**********1234')
    .line('Time: 2026-03-02T10:15:00+08:00')
    .align('center')
    .qrcode('https://zwfw.example.gov.cn/c/' + caseNo, { model: 2, size: 6, errorlevel: 'm' })
    .newline()
    .align('left')
    .newline(3)
    .cut('partial')
    .encode();
}

function connect(host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`cannot connect to ${host}:${port} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function sendReceipt(host, port) {
  const bytes = sampleReceipt();
  const socket = await connect(host, port);
  socket.on('data', () => {});  // read whatever the printer says (ASB), so closing is clean
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.end(Buffer.from(bytes), resolve);  // resolves once every byte is handed to TCP
  });
  // Half-closed: wait for the printer to close its side, briefly.
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, STATUS_TIMEOUT_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  socket.destroy();
  process.stderr.write(`sent ${bytes.length} bytes to ${host}:${port}\n`);
  return 0;
}

async function queryStatus(host, port) {
  const socket = await connect(host, port);
  const pending = [];
  let waiter = null;
  socket.on('data', (chunk) => {
    for (const byte of chunk) pending.push(byte);
    if (waiter) waiter();
  });
  socket.on('error', () => {});
  const readByte = () =>
    new Promise((resolve) => {
      if (pending.length > 0) return resolve(pending.shift());
      const timer = setTimeout(() => {
        waiter = null;
        resolve(null);
      }, STATUS_TIMEOUT_MS);
      waiter = () => {
        clearTimeout(timer);
        waiter = null;
        resolve(pending.shift());
      };
    });
  const result = {};
  let missing = 0;
  for (const n of [1, 2, 3, 4]) {
    pending.length = 0;  // drop anything unasked for (an ASB block) before asking
    socket.write(Buffer.from([0x10, 0x04, n]));
    const byte = await readByte();
    if (byte === null) missing++;
    result[String(n)] = byte === null ? null : '0x' + byte.toString(16).padStart(2, '0');
  }
  socket.destroy();
  process.stdout.write(JSON.stringify(result) + '\n');
  return missing === 0 ? 0 : 1;
}

function usage() {
  process.stderr.write('usage: node receipt_escpos.mjs receipt|status HOST PORT | encode FILE\n');
  return 2;
}

async function main(argv) {
  const [mode, a, b] = argv;
  if (mode === 'encode' && a) {
    writeFileSync(a, sampleReceipt());
    return 0;
  }
  if ((mode !== 'receipt' && mode !== 'status') || !a || !b) return usage();
  const port = Number(b);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return usage();
  return mode === 'receipt' ? sendReceipt(a, port) : queryStatus(a, port);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`receipt_escpos: ${err.message}\n`);
    process.exit(2);
  },
);
