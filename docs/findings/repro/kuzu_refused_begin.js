// Kuzu / LadybugDB: a BEGIN TRANSACTION refused with "Cannot start a new
// write transaction" leaves its connection broken; the connection's next
// query that reads the catalog crashes the process (SIGSEGV at address 0x8
// in CatalogSet::traverseVersionChainsForTransactionNoLock).
//
// No thread race and no delay: every call is awaited in turn.
//   1. connection `first`:  BEGIN TRANSACTION            (holds the write transaction)
//   2. connection `second`: BEGIN TRANSACTION            (refused: write conflict)
//   3. connection `second`: MATCH (n:t) RETURN count(*)  (crashes)
//
// Run (the package `kuzu`, or @ladybugdb/core installed under the name kuzu,
// in the node_modules directory given):
//   node kuzu_refused_begin.js build/engines/node-kuzu-0.11.3/node_modules 10
// Each attempt runs in a child process; the last line says
// "reproduced K of N"; exit 0 if K > 0, 1 if not.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const modules = path.resolve(process.argv[2] || 'node_modules');

async function attempt() {
  const kuzu = require(require.resolve('kuzu', { paths: [modules] }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refused-begin-'));
  const db = new kuzu.Database(path.join(dir, 'db'));
  await db.init();
  const first = new kuzu.Connection(db);
  const second = new kuzu.Connection(db);
  await first.init();
  await second.init();
  await (await first.query('CREATE NODE TABLE t(a INT64, PRIMARY KEY(a))')).close();
  await (await first.query('BEGIN TRANSACTION')).close();
  try {
    await (await second.query('BEGIN TRANSACTION')).close();
    console.log('the second BEGIN was accepted: nothing to show');
  } catch (refused) {
    console.log(`the second BEGIN was refused: ${refused.message}`);
  }
  const result = await second.query('MATCH (n:t) RETURN count(*)');
  console.log(`its next query answered ${JSON.stringify(await result.getAll())}`);
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

if (process.env.REFUSED_BEGIN_CHILD) {
  attempt().catch((e) => { console.log(`error: ${e.message}`); process.exit(3); });
} else {
  const n = Number(process.argv[3] || 10);
  let reproduced = 0;
  for (let i = 1; i <= n; ++i) {
    const child = spawnSync(process.execPath, [__filename, modules], {
      env: { ...process.env, REFUSED_BEGIN_CHILD: '1' }, encoding: 'utf8', timeout: 60000,
    });
    const crashed = child.signal === 'SIGSEGV' || child.signal === 'SIGABRT';
    if (crashed) ++reproduced;
    const how = child.signal ? `killed by ${child.signal}` : `exit ${child.status}`;
    console.log(`attempt ${i}: ${how}; ${(child.stdout || '').trim().split('\n').pop()}`);
  }
  console.log(`reproduced ${reproduced} of ${n}`);
  process.exit(reproduced > 0 ? 0 : 1);
}
