'use strict';
// Kuzu's and LadybugDB's COMMIT, cut short by the connection's query
// timeout, answers "Interrupted." although the transaction committed: its
// rows are there for every later reader. The caller is told the commit
// failed, so it retries (and writes twice) or gives up on data it has.
//
// Run (any node_modules holding the kuzu package, or @ladybugdb/core
// installed as kuzu):
//   node docs/findings/repro/kuzu_commit_timeout.js build/engines/node-kuzu-0.11.3/node_modules 10
// Each attempt: a fresh database, a table, BEGIN, a COPY of 632 rows, a
// 20 ms query timeout, COMMIT, then a count from another connection. The
// last line says "reproduced K of N"; the exit code is 0 if K > 0. A control
// with a 10 s timeout: add "control" as a third argument (the COMMIT answers
// ok, and nothing reproduces).
const fs = require('fs');
const os = require('os');
const path = require('path');

const modules = path.resolve(process.argv[2] || 'node_modules');
const attempts = Number(process.argv[3] || 10);
const timeoutMs = process.argv[4] === 'control' ? 10000 : 20;
const kuzu = require(require.resolve('kuzu', { paths: [modules] }));
const kRows = 632;

// Runs a statement and closes its result, so that no result outlives its
// database (a crash of its own in Kuzu 0.11.x); returns the rows it read.
async function run(conn, text) {
  const result = await conn.query(text);
  const rows = await result.getAll();
  result.close();
  return rows;
}

async function attempt() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kuzu-commit-timeout-'));
  const db = new kuzu.Database(path.join(dir, 'db'));
  await db.init();
  const conn = new kuzu.Connection(db);
  await conn.init();
  await run(conn, 'CREATE NODE TABLE t(a INT64, b STRING, PRIMARY KEY(a))');
  const csv = path.join(dir, 'rows.csv');
  fs.writeFileSync(csv, Array.from({ length: kRows }, (_, i) => `${i},v${i}`).join('\n') + '\n');
  await run(conn, 'BEGIN TRANSACTION');
  await run(conn, `COPY t FROM '${csv}' (HEADER=false)`);
  conn.setQueryTimeout(timeoutMs);
  let answer = 'ok';
  try {
    await run(conn, 'COMMIT');
  } catch (error) {
    answer = error.message;
  }
  const reader = new kuzu.Connection(db);
  await reader.init();
  const rows = Number((await run(reader, 'MATCH (n:t) RETURN count(*) AS n'))[0].n);
  await reader.close();
  await conn.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { answer, rows };
}

(async () => {
  let reproduced = 0;
  for (let n = 1; n <= attempts; ++n) {
    const { answer, rows } = await attempt();
    const same = answer !== 'ok' && rows === kRows;
    if (same) ++reproduced;
    console.log(`attempt ${n}: COMMIT answered ${answer}; ${rows} of ${kRows} rows committed${same ? ': reproduced' : ''}`);
  }
  console.log(`reproduced ${reproduced} of ${attempts}`);
  process.exit(reproduced > 0 ? 0 : 1);
})();
