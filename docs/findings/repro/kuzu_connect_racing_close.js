'use strict';
// Kuzu's and LadybugDB's Node.js binding: a Connection's init() that runs
// while its Database's close() does makes init() reject with "Invalid
// argument" instead of "Database is closed.". init() awaits
// database._getDatabase() (one microtask even when the database is open),
// close() frees the native database meanwhile, and init() then builds the
// native connection on the freed handle.
//
// Run (any node_modules holding the kuzu package, or @ladybugdb/core
// installed as kuzu):
//   node docs/findings/repro/kuzu_connect_racing_close.js build/engines/node-kuzu-0.11.3/node_modules 10
// The last line says "reproduced K of N"; the exit code is 0 if K > 0.
const fs = require('fs');
const os = require('os');
const path = require('path');

const modules = path.resolve(process.argv[2] || 'node_modules');
const attempts = Number(process.argv[3] || 10);
const kuzu = require(require.resolve('kuzu', { paths: [modules] }));

async function attempt() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kuzu-connect-racing-close-'));
  const db = new kuzu.Database(path.join(dir, 'db'));
  await db.init();
  const conn = new kuzu.Connection(db);
  const connecting = conn.init();  // starts the connection ...
  const closing = db.close();      // ... and closes the database in the same tick
  let answer = 'ok';
  try {
    await connecting;
  } catch (error) {
    answer = `${error.constructor.name}: ${error.message}`;
  }
  await closing;
  fs.rmSync(dir, { recursive: true, force: true });
  return answer;
}

(async () => {
  let reproduced = 0;
  for (let n = 1; n <= attempts; ++n) {
    const answer = await attempt();
    const same = answer.includes('Invalid argument');
    if (same) ++reproduced;
    console.log(`attempt ${n}: init() answered ${answer}${same ? ': reproduced' : ''}`);
  }
  console.log(`reproduced ${reproduced} of ${attempts}`);
  process.exit(reproduced > 0 ? 0 : 1);
})();
