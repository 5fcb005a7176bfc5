'use strict';
// LadybugDB (@ladybugdb/core, the kuzu package's API): a COPY into a table
// that already holds committed rows, made inside an explicit transaction
// that is then rolled back, leaves the table in a state that the checkpoint
// at the database's close cannot handle: SIGSEGV in
// lbug::storage::NodeTable::checkpoint <- StorageManager::checkpoint <-
// Database::~Database. No concurrency: one connection after another.
//
// Run (any node_modules holding the kuzu package, or @ladybugdb/core
// installed as kuzu):
//   node docs/findings/repro/kuzu_rolled_back_copy_checkpoint.js build/engines/node-kuzu-ladybug-0.19.1/node_modules 10
// Each attempt runs in a child process; the last line says "reproduced K of N",
// and the exit code is 0 if K > 0.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const modules = path.resolve(process.argv[2] || 'node_modules');

async function attempt(dir) {
  const kuzu = require(require.resolve('kuzu', { paths: [modules] }));
  const run = async (conn, text) => (await conn.query(text)).close();
  const db = new kuzu.Database(path.join(dir, 'db'));
  const setup = new kuzu.Connection(db);
  await run(setup, 'CREATE NODE TABLE t(a INT64, b STRING, PRIMARY KEY(a))');
  await run(setup, "UNWIND range(0, 38) AS i CREATE (:t {a: i, b: 'v'})");  // committed rows first
  const lines = [];
  for (let i = 0; i < 100; ++i) lines.push(`${1000 + i},v${i}`);
  fs.writeFileSync(path.join(dir, 'rows.csv'), lines.join('\n') + '\n');
  const conn = new kuzu.Connection(db);
  await run(conn, 'BEGIN TRANSACTION');
  await run(conn, `COPY t FROM '${path.join(dir, 'rows.csv')}' (HEADER=false)`);
  await run(conn, 'ROLLBACK');
  await conn.close();
  await setup.close();
  await db.close();  // checkpoints: crashes here
}

if (process.env.REPRO_DIR) {
  attempt(process.env.REPRO_DIR).then(() => process.exit(0), (error) => {
    console.log(`  error: ${error.message}`);
    process.exit(2);
  });
} else {
  const attempts = Number(process.argv[3] || 10);
  let reproduced = 0;
  for (let n = 1; n <= attempts; ++n) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-'));
    const child = spawnSync(process.execPath, [__filename, modules], {
      env: { ...process.env, REPRO_DIR: dir }, encoding: 'utf8', timeout: 30000, killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const same = child.signal !== null && child.signal !== 'SIGKILL';
    if (same) ++reproduced;
    console.log(`attempt ${n}: ${child.signal ? `killed by ${child.signal}` : `exited with status ${child.status}`}` +
                `${same ? ': reproduced' : ''}`);
    if (child.stdout) process.stdout.write(child.stdout);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`reproduced ${reproduced} of ${attempts}`);
  process.exit(reproduced > 0 ? 0 : 1);
}
