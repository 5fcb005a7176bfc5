'use strict';
// The kuzu driver's (adapters/node/kuzu.js) reading of Kuzu's and its forks'
// error messages, on messages the engines really gave: a write whose
// checkpoint timed out has committed (Indeterminate), in Kuzu's wording and
// in @ladybugdb/core's, and is not a refused write (WriteConflict).
// usage: node kuzu_classify_test.js NODE_MODULES (holding the kuzu package)
const path = require('path');
const modules = path.resolve(process.argv[2]);
const binding = require('../../adapters/node/kuzu.js')(modules, () => 'test');
const cases = [
  ['Timeout waiting for active transactions to leave the system before checkpointing. If you have an open ' +
   'transaction, please close it and try again.', 'copy', 'Indeterminate'],
  ['Timeout waiting for active write transactions to leave the system before checkpointing. If you have an open ' +
   'write transaction, please close it and try again.', 'copy', 'Indeterminate'],
  ['Cannot start a new write transaction in the system. Only one write transaction at a time is allowed in the ' +
   'system.', 'insert', 'WriteConflict'],
];
let failures = 0;
for (const [message, kind, expected] of cases) {
  const got = binding.classify(message, { kind });
  const ok = got === expected;
  if (!ok) ++failures;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${kind} "${message.slice(0, 60)}..." is ${got} (expected ${expected})`);
}
console.log(`${cases.length - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
