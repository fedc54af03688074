// An SMPP SMSC on node-smpp (npm "smpp"), a peer Switchboard did not write, for the integration tests.
// It accepts binds, answers submit_sm with an id, sends deliver_sm receipts ("id:... stat:DELIVRD ...", with the
// receipted_message_id and message_state TLVs) and records what it saw as JSON lines in SMSC_RECORD.
// It prints "listening PORT" once it listens. Settings (environment):
//   SMSC_PORT (0: any free port)      SMSC_RECORD (file of JSON lines)      SMSC_SYSTEM_ID / SMSC_PASSWORD (checked)
//   SMSC_RECEIPT_DELAY_MS (50)        SMSC_RESPONSE_DELAY_MS (0)            SMSC_NO_RECEIPTS=1
//   SMSC_THROTTLE_EVERY=N: every Nth submit_sm is answered ESME_RTHROTTLED
//   SMSC_DUPLICATE_RECEIPTS=1: every receipt twice    SMSC_UNKNOWN_RECEIPTS=1: a receipt for an unknown id per submit
//   SMSC_RECEIPT_FIRST=1: the receipt goes (and is acknowledged) before the submit_sm_resp
//   message ids: upper-case hex ("3A1F05"); SMSC_DECIMAL_IDS=1: 1, 2, 3...; SMSC_RECEIPTS_IN_DECIMAL=1: hex in the
//   submit_sm_resp, the same number in decimal in the receipt (as some SMSCs do)
//   SMSC_DROP_AT=N: at the Nth submit_sm, with SMSC_DROP_OUTSTANDING submits unanswered, every socket is destroyed
//   SMSC_GARBAGE_AT=N: the Nth submit_sm is answered with garbage bytes instead of a submit_sm_resp
// Receipts for a session that is gone, or not acknowledged when it ended, wait for the next bind of the same
// system_id (store and forward).
'use strict';
const fs = require('fs');
const smpp = require('smpp');

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : process.env[name]);
const num = (name, fallback) => Number(env(name, fallback));
const opt = {
  port: num('SMSC_PORT', 0), record: env('SMSC_RECORD', null), systemId: env('SMSC_SYSTEM_ID', null),
  password: env('SMSC_PASSWORD', null), receiptDelay: num('SMSC_RECEIPT_DELAY_MS', 50),
  responseDelay: num('SMSC_RESPONSE_DELAY_MS', 0), noReceipts: env('SMSC_NO_RECEIPTS', '') === '1',
  throttleEvery: num('SMSC_THROTTLE_EVERY', 0), duplicates: env('SMSC_DUPLICATE_RECEIPTS', '') === '1',
  unknown: env('SMSC_UNKNOWN_RECEIPTS', '') === '1', receiptFirst: env('SMSC_RECEIPT_FIRST', '') === '1',
  decimalIds: env('SMSC_DECIMAL_IDS', '') === '1', receiptsInDecimal: env('SMSC_RECEIPTS_IN_DECIMAL', '') === '1',
  dropAt: num('SMSC_DROP_AT', 0), dropOutstanding: num('SMSC_DROP_OUTSTANDING', 1), garbageAt: num('SMSC_GARBAGE_AT', 0),
};
const record = (event) => {
  if (opt.record) fs.appendFileSync(opt.record, JSON.stringify({ t: Date.now(), ...event }) + '\n');
};
const sessions = new Set();
const waiting = []; // receipts whose session is gone: [systemId, send(session)]
const outstanding = new Set(); // timers of submit_sm answers not sent yet
let submits = 0, decimalIds = 0, nextId = 0x3A000 + Math.floor(Math.random() * 0x1000) * 0x100, sessionIds = 0;
const stamp = (d) => d.toISOString().replace(/[-T:]/g, '').slice(2, 12);

function receiver(systemId, preferred) {
  if (preferred && sessions.has(preferred) && preferred.receives) return preferred;
  return [...sessions].find((s) => s.receives && s.systemId === systemId);
}

function sendReceipt(submit, messageId, session, done) {
  const now = new Date();
  const text = `id:${messageId} sub:001 dlvrd:001 submit date:${stamp(now)} done date:${stamp(now)} stat:DELIVRD err:000 text:${submit.text.slice(0, 20).replace(/[^\x20-\x7e]/g, '?')}`;
  const deliver = (target) => {
    target.unacked.add(deliver); // sent again after the next bind if the session ends before its deliver_sm_resp
    target.deliver_sm({
      source_addr: submit.destination_addr, destination_addr: submit.source_addr, esm_class: 0x04, data_coding: 0,
      short_message: Buffer.from(text, 'ascii'), receipted_message_id: messageId, message_state: 2,
    }, (resp) => {
      target.unacked.delete(deliver);
      record({ event: 'receipt', message_id: messageId, session: target.id, status: resp.command_status });
      if (done) done();
    });
  };
  const target = receiver(session.systemId, session);
  if (target) deliver(target); else waiting.push([session.systemId, deliver]);
}

function onSubmit(session, pdu) {
  submits += 1;
  const sm = pdu.short_message || {};
  const submit = {
    event: 'submit', n: submits, session: session.id, system_id: session.systemId, source_addr: pdu.source_addr,
    source_addr_ton: pdu.source_addr_ton, source_addr_npi: pdu.source_addr_npi, destination_addr: pdu.destination_addr,
    dest_addr_ton: pdu.dest_addr_ton, dest_addr_npi: pdu.dest_addr_npi, esm_class: pdu.esm_class,
    data_coding: pdu.data_coding, registered_delivery: pdu.registered_delivery,
    udh: (sm.udh || []).map((ie) => ie.toString('hex')), text: typeof sm.message === 'string' ? sm.message : '',
  };
  if (opt.garbageAt && submits === opt.garbageAt) {
    record({ ...submit, status: null, garbage: true });
    session.socket.write(Buffer.from('00000041deadbeef00000000000000ff6e6f7420736d7070', 'hex')); // a header, then junk
    return;
  }
  if (opt.throttleEvery && submits % opt.throttleEvery === 0) {
    record({ ...submit, status: smpp.ESME_RTHROTTLED });
    session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
    return;
  }
  const number = opt.decimalIds ? ++decimalIds : nextId++;
  const messageId = opt.decimalIds ? String(number) : number.toString(16).toUpperCase();
  const receiptId = opt.receiptsInDecimal ? String(number) : messageId;
  const answer = () => {
    if (!sessions.has(session)) return;
    record({ ...submit, status: 0, message_id: messageId });
    session.send(pdu.response({ message_id: messageId }));
    if (!opt.noReceipts && !opt.receiptFirst && pdu.registered_delivery & 1) {
      setTimeout(() => sendReceipt(submit, receiptId, session), opt.receiptDelay);
    }
    if (opt.unknown) setTimeout(() => sendReceipt(submit, `zz${messageId}`, session), opt.receiptDelay);
    if (opt.duplicates) setTimeout(() => sendReceipt(submit, receiptId, session), opt.receiptDelay * 2 + 20);
  };
  const later = (fn) => { const timer = setTimeout(() => { outstanding.delete(timer); fn(); }, opt.responseDelay); outstanding.add(timer); };
  if (opt.receiptFirst && !opt.noReceipts) sendReceipt(submit, receiptId, session, () => later(answer));
  else later(answer);
  if (opt.dropAt && submits === opt.dropAt) {
    const drop = () => {
      record({ event: 'drop', unanswered: outstanding.size, sessions: sessions.size });
      for (const timer of outstanding) clearTimeout(timer);
      outstanding.clear();
      for (const s of sessions) s.socket.destroy();
    };
    const poll = setInterval(() => { if (outstanding.size >= opt.dropOutstanding) { clearInterval(poll); drop(); } }, 1);
  }
}

function onBind(session, pdu, mode) {
  if ((opt.systemId && pdu.system_id !== opt.systemId) || (opt.password && pdu.password !== opt.password)) {
    record({ event: 'bind_refused', system_id: pdu.system_id });
    session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
    session.close();
    return;
  }
  Object.assign(session, { systemId: pdu.system_id, receives: mode !== 'transmitter' });
  session.send(pdu.response({ system_id: 'NODESMSC' }));
  sessions.add(session);
  record({ event: 'bind', session: session.id, system_id: pdu.system_id, mode });
  for (let i = waiting.length - 1; i >= 0; i--) {
    if (waiting[i][0] === session.systemId && session.receives) waiting.splice(i, 1)[0][1](session);
  }
}

const server = smpp.createServer((session) => {
  session.id = ++sessionIds;
  session.unacked = new Set();
  for (const mode of ['transceiver', 'transmitter', 'receiver']) session.on(`bind_${mode}`, (pdu) => onBind(session, pdu, mode));
  session.on('submit_sm', (pdu) => onSubmit(session, pdu));
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => { record({ event: 'unbind', session: session.id }); session.send(pdu.response()); session.close(); });
  session.on('error', (error) => record({ event: 'error', session: session.id, error: String(error) }));
  session.on('close', () => {
    sessions.delete(session);
    record({ event: 'close', session: session.id, unacked: session.unacked.size });
    for (const deliver of session.unacked) waiting.push([session.systemId, deliver]);
    session.unacked.clear();
  });
});
server.listen(opt.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
