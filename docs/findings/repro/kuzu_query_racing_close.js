'use strict';
// Kuzu's and LadybugDB's Node.js binding: a connection's close() that runs
// while its query() is starting makes that query reject with a TypeError
// ("Cannot read properties of undefined (reading 'queryAsync')") instead of
// "Connection is closed.". query() checks _isClosed, then awaits init()
// (one microtask even when the connection is initialized) and reads
// this._connection, which close() has deleted meanwhile.
//
// Run (any node_modules holding the kuzu package, or @ladybugdb/core
// installed as kuzu):
//   node docs/findings/repro/kuzu_query_racing_close.js build/engines/node-kuzu-0.11.3/node_modules 10
// The last line says "reproduced K of N"; the exit code is 0 if K > 0.
const os = require('os');
const path = require('path');

const modules = path.resolve(process.argv[2] || 'node_modules');
const attempts = Number(process.argv[3] || 10);
const kuzu = require(require.resolve('kuzu', { paths: [modules] }));

async function attempt(n) {
  const db = new kuzu.Database(path.join(os.tmpdir(), `kuzu-query-racing-close-${process.pid}-${n}`));
  const conn = new kuzu.Connection(db);
  await conn.init();
  const query = conn.query('RETURN 1');  // starts the query ...
  const closing = conn.close();          // ... and closes the connection in the same tick
  let answer;
  try {
    await query;
    answer = 'ok';
  } catch (error) {
    answer = `${error.constructor.name}: ${error.message}`;
  }
  await closing;
  await db.close();
  return answer;
}

(async () => {
  let reproduced = 0;
  for (let n = 1; n <= attempts; ++n) {
    const answer = await attempt(n);
    const same = answer.startsWith('TypeError');
    if (same) ++reproduced;
    console.log(`attempt ${n}: query answered ${answer}${same ? ': reproduced' : ''}`);
  }
  console.log(`reproduced ${reproduced} of ${attempts}`);
  process.exit(reproduced > 0 ? 0 : 1);
})();
