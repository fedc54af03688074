// An ESME on node-smpp (npm "smpp"), a peer Switchboard did not write, for the SMPP server's tests.
// It binds as a transceiver (ESME_HOST, ESME_PORT, ESME_SYSTEM_ID, ESME_PASSWORD), submits a GSM text, a UCS-2
// text and a two-part GSM text (UDH concatenation), all asking for receipts, then answers every deliver_sm.
// It prints JSON lines: {"bind": status}, {"submitted": [[status, message_id], ...]} and, per deliver_sm,
// {"deliver": {...}}; it unbinds and exits after ESME_EXPECT deliver_sm or ESME_TIMEOUT_MS.
'use strict';
const smpp = require('smpp');

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : process.env[name]);
const out = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const expect = Number(env('ESME_EXPECT', '3'));
const destination = env('ESME_DESTINATION', '919876543210');

const session = smpp.connect({ url: `smpp://${env('ESME_HOST', '127.0.0.1')}:${env('ESME_PORT', '2775')}`, auto_enquire_link_period: 10000 });
let delivered = 0;
const finish = () => session.unbind(() => { session.close(); process.exit(0); });
setTimeout(() => { out({ timeout: true }); session.close(); process.exit(2); }, Number(env('ESME_TIMEOUT_MS', '20000')));

session.on('deliver_sm', (pdu) => {
  const tlv = pdu.receipted_message_id;
  out({ deliver: {
    esm_class: pdu.esm_class, source: pdu.source_addr, destination: pdu.destination_addr,
    text: typeof pdu.short_message === 'object' && pdu.short_message.message !== undefined ? pdu.short_message.message : String(pdu.short_message),
    receipted_message_id: tlv === undefined ? null : String(tlv), message_state: pdu.message_state === undefined ? null : pdu.message_state,
  } });
  session.send(pdu.response());
  delivered += 1;
  if (delivered >= expect) setTimeout(finish, 200);
});

function submit(fields) {
  return new Promise((resolve) => session.submit_sm({
    source_addr: 'NodeEsme', destination_addr: destination, dest_addr_ton: 1, dest_addr_npi: 1,
    registered_delivery: 1, ...fields,
  }, (pdu) => resolve([pdu.command_status, pdu.message_id])));
}

session.bind_transceiver({ system_id: env('ESME_SYSTEM_ID', 'esme'), password: env('ESME_PASSWORD', '') }, async (pdu) => {
  out({ bind: pdu.command_status });
  if (pdu.command_status !== 0) { session.close(); process.exit(0); }
  const long = 'node-smpp sends this long text in two parts with a UDH; the server joins them into one message. '.repeat(2);
  const first = Buffer.from(long.slice(0, 153), 'ascii');
  const second = Buffer.from(long.slice(153), 'ascii');
  const udh = (seq) => Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, seq]);
  const results = await Promise.all([
    submit({ short_message: 'Hello from node-smpp' }),
    submit({ short_message: 'Привет from node-smpp' }),
    submit({ esm_class: 0x40, data_coding: 0, short_message: Buffer.concat([udh(1), first]) }),
    submit({ esm_class: 0x40, data_coding: 0, short_message: Buffer.concat([udh(2), second]) }),
  ]);
  out({ submitted: results });
});
