'use strict';
// Reproduces a lifeguard failure (crash|contract|hang) of engine node:duckdb@1.5.6-r.1, policy binding, seed 0,
// through the engine's public API only. Written by `lifeguard export`.
//
// @duckdb/node-api 1.5.6-r.1: closing a connection during its own query,
// which the binding's README allows ("disconnect explicitly if and when you
// want"). DuckDBConnection.closeSync() calls duckdb_disconnect at once, while
// the binding's thread pool runs (or is about to run) the statement on that
// connection. One cause, four symptoms, all seen in the 10-minute campaign:
//   - crash: SIGSEGV in duckdb::ClientContext::LockContext, from
//     duckdb_query or duckdb_extract_statements in QueryWorker::Execute (the
//     connection was freed);
//   - contract: "Invalid Error: bad_weak_ptr" or "Failed to query" instead
//     of a connection-closed error (the connection half destroyed);
//   - hang: the running statement drops the last reference to its
//     ClientContext, whose destructor (ClientContext::Destroy ->
//     LockContext) waits for the context lock that statement holds: a
//     self-deadlock (gdb, thread apply all bt, on a hung driver).
// The same schedule through the kuzu package never crashes
// (tests/regressions/node-kuzu/uncontrolled/disconnect_during_its_own_query.sched).
// Fails 15 of 20 (contract 8, hang 4, crash 3; lifeguard replay --runs 20
// FILE): free-running, so it is replayed by hand, not by ctest.
//
// Build and run (N attempts, default 10):
//   node docs/findings/repro/duckdb-node-api-close-during-query.js build/engines/node-duckdb-1.5.6-r.1/node_modules 10
// Each attempt runs in a child process with a fresh directory; the last line
// says "reproduced K of N"; the exit code is 0 if K > 0, else 1.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const modules = path.resolve(process.argv[2] || 'node_modules');
// The @duckdb/node-api 1.5.6-r.1 package, in the node_modules directory given first.
const duckdb = require(require.resolve('@duckdb/node-api', { paths: [modules] }));

// 0: not yet; 1: the call was made; 2: it returned.
const reached = Array.from({ length: 2 }, () => new Array(3).fill(0));
function mark(actor, op, level) { reached[actor][op] = level; }
async function awaitCall(actor, op, level) {
  while (reached[actor][op] < level) await new Promise((resolve) => setImmediate(resolve));
}
// An error a call answered. One the binding does not document (none of the errors it
// says a call can answer) makes the attempt exit with status 3; a JavaScript TypeError
// (such as a method this release lacks) is not the engine's answer, and does not count.
let undocumented = false;
function answered(actor, call, error) {
  const message = String(error && error.message);
  const documented = error instanceof TypeError || ([
    "Attempting to fetch from",
    "Attempting to execute an unsuccessful",
    "closed streaming",
    "INTERRUPT Error",
    "Interrupted",
    "onflict",
    "TransactionContext Error",
    "Conversion Error",
    "CSV Error",
    "Parser Error",
    "Binder Error",
    "Catalog Error",
    "Out of Range Error",
    "Connection Error",
    "connection has been closed",
    "Connection was closed",
    "disconnected",
    "Database has been closed",
    "database has been closed",
    "instance closed",
  ].some((text) => message.includes(text)));
  if (!documented) undocumented = true;
  const note = error instanceof TypeError ? ' (a TypeError, not the engine\'s)' : documented ? '' : ' (undocumented)';
  console.log(`  actor ${actor}, ${call}: ${message}${note}`);
}
// A COPY's input: rows (tag * 1000000 + i, 'v' + i); line badLine (from 1) is bad.
function writeCsv(file, tag, rows, badLine) {
  const lines = [];
  for (let i = 0; i < rows; ++i) lines.push(i + 1 === badLine ? 'not_a_number,bad' : `${tag * 1000000 + i},v${i}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function attempt(dir) {
  let db = null;
  let c1 = null;
  const actor0 = (async () => {
    // open_db
    mark(0, 0, 1);
    try {
      db = await duckdb.DuckDBInstance.create(path.join(dir, 'db'), { threads: '2' });
      const setup = await db.connect();
      for (const table of ['t1', 't2']) await setup.run(`CREATE TABLE IF NOT EXISTS ${table}(a BIGINT, b VARCHAR)`);
      setup.closeSync();
    } catch (error) {  // an error is an answer: say it, go on
      answered(0, "open_db", error);
    }
    mark(0, 0, 2);
    // connect c1
    mark(0, 1, 1);
    if (db === null) console.log('  actor 0, connect c1: skipped (db is gone)');
    else try {
      c1 = await db.connect();
    } catch (error) {  // an error is an answer: say it, go on
      answered(0, "connect c1", error);
    }
    mark(0, 1, 2);
    // query c1 - long 3000000
    mark(0, 2, 1);
    if (c1 === null) console.log('  actor 0, query c1 - long 3000000: skipped (c1 is gone)');
    else try {
      await c1.run("SELECT sum(x) FROM range(90000000) t(x)");
    } catch (error) {  // an error is an answer: say it, go on
      answered(0, "query c1 - long 3000000", error);
    }
    mark(0, 2, 2);
  })();
  const actor1 = (async () => {
    await awaitCall(0, 1, 2);  // await 0.1 returned
    await awaitCall(0, 2, 1);  // await 0.2 invoked
    // disconnect c1
    mark(1, 2, 1);
    if (c1 === null) console.log('  actor 1, disconnect c1: skipped (c1 is gone)');
    else try {
      const conn = c1;
      c1 = null;
      conn.closeSync();
    } catch (error) {  // an error is an answer: say it, go on
      answered(1, "disconnect c1", error);
    }
    mark(1, 2, 2);
  })();
  await Promise.all([actor0, actor1]);
}

if (process.env.LIFEGUARD_EXPORT_DIR) {
  // An attempt: the actors, then a garbage collection (finalizers run, as
  // when a program goes on), then exit.
  attempt(process.env.LIFEGUARD_EXPORT_DIR).then(() => {
    if (global.gc) global.gc();
    setImmediate(() => process.exit(undocumented ? 3 : 0));
  }, (error) => {
    console.log(`error: ${error.message}`);
    process.exit(0);
  });
} else {
  const attempts = Number(process.argv[3] || 10);
  let reproduced = 0;
  for (let n = 1; n <= attempts; ++n) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-'));
    const child = spawnSync(process.execPath, ['--expose-gc', __filename, modules], {
      env: { ...process.env, LIFEGUARD_EXPORT_DIR: dir }, encoding: 'utf8', timeout: 30000, killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const hung = child.error !== undefined && child.error.code === 'ETIMEDOUT';
    const same = (!hung && (child.signal !== null || (child.status !== 0 && child.status !== 3))) || (!hung && child.status === 3) || hung;
    if (same) ++reproduced;
    const how = hung ? 'still running after 30 s (killed)'
                     : child.signal ? `killed by ${child.signal}` : `exited with status ${child.status}`;
    console.log(`attempt ${n}: ${how}${same ? ': reproduced' : ''}`);
    if (child.stdout) process.stdout.write(child.stdout);  // the errors the calls answered
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`reproduced ${reproduced} of ${attempts}`);
  process.exit(reproduced > 0 ? 0 : 1);
}
