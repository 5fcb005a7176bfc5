'use strict';
// @duckdb/node-api: DuckDBConnection.closeSync() (= disconnectSync()) while a
// query started by connection.run() is still running on that connection.
// The close should either wait for the query or make it fail with a
// "connection closed" error. Instead the process crashes (SIGSEGV in
// duckdb::ClientContext::LockContext), hangs (the query's worker thread
// deadlocks on its own context lock), or the query fails with an internal
// error ("bad_weak_ptr", "Failed to query").
//
// Run (from the lifeguard checkout; any directory that holds node_modules/@duckdb/node-api):
//   node docs/findings/repro/duckdb-node-api-close-during-query.js build/engines/node-duckdb-1.5.6-r.1/node_modules 20
//
// Options after ATTEMPTS (defaults in brackets):
//   --close  connection|instance|both  what to close while the query runs [connection]
//            (connection: connection.closeSync(); instance: instance.closeSync();
//             both: connection.closeSync() then instance.closeSync())
//   --api    run|runAndReadAll|stream  how the query is started [run]
//   --delay  MS   how long after starting the query the close is called [50]
//   --timeout MS  per-attempt limit; an attempt still running then is a hang [20000]
//
// Timing: the close is aimed at a query in execution with a plain
// setTimeout(MS) after the call that starts it. The query (the sum of 90
// million integers, 2 threads) runs about 175 ms on the machine that measured
// this (2-core VM); 50 ms lands in its execution. connection.progress stays
// at -1 without the progress bar, so there is no finer observable point. A
// delay is acceptable in a standalone reproducer; on a much faster machine,
// raise the row count or lower --delay.
//
// Each attempt runs in a fresh child process (this file with --child), so a
// crash or a hang of one attempt is counted, not fatal. The last line is
// "reproduced K of N"; the exit code is 0 if K > 0, 1 if K = 0.
// An attempt counts as reproduced when its child dies of a signal, exits
// abnormally, hangs (killed at --timeout), or its query fails with an error
// that does not say the connection or database was closed.

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const modules = process.argv[2];
if (!modules || modules.startsWith('--')) {
  console.error('usage: node duckdb-node-api-close-during-query.js NODE_MODULES_DIR [ATTEMPTS] ' +
                '[--close connection|instance|both] [--api run|runAndReadAll|stream] [--delay MS] [--timeout MS]');
  process.exit(2);
}
const close = option('--close', 'connection');
const api = option('--api', 'run');
const delay = Number(option('--delay', '50'));
const timeout = Number(option('--timeout', '20000'));
const SQL = 'SELECT sum(x) FROM range(90000000) t(x)';
const STREAM_SQL = 'SELECT x FROM range(90000000) t(x) WHERE x % 997 = 0';

async function child() {
  const duckdb = require(require.resolve('@duckdb/node-api', { paths: [path.resolve(modules)] }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duckdb-close-'));
  try {
    const instance = await duckdb.DuckDBInstance.create(path.join(dir, 'db.duckdb'), { threads: '2' });
    const connection = await instance.connect();
    let query;
    if (api === 'run') query = connection.run(SQL);
    else if (api === 'runAndReadAll') query = connection.runAndReadAll(SQL);
    else if (api === 'stream') query = connection.stream(STREAM_SQL).then((result) => result.fetchChunk());
    else throw new Error(`unknown --api ${api}`);
    const settled = query.then(() => 'ok', (error) => `error: ${error.message}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (close === 'connection' || close === 'both') connection.closeSync();
    if (close === 'instance' || close === 'both') instance.closeSync();
    console.log(`query: ${await settled}`);
    if (close === 'connection') instance.closeSync();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parent() {
  const attempts = Number(process.argv[3] && !process.argv[3].startsWith('--') ? process.argv[3] : '10');
  const version = JSON.parse(fs.readFileSync(
    path.join(path.resolve(modules), '@duckdb', 'node-api', 'package.json'), 'utf8')).version;
  console.log(`@duckdb/node-api ${version}, node ${process.version}: ${api}(), ` +
              `${close} closeSync() after ${delay} ms, ${attempts} attempts`);
  const seen = {};
  let reproduced = 0;
  for (let i = 1; i <= attempts; ++i) {
    const args = [__filename, modules, '--child', '--close', close, '--api', api, '--delay', String(delay)];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
    const out = (run.stdout || '').trim();
    const err = (run.stderr || '').trim();
    let what;
    let bad = true;
    if (run.error && run.error.code === 'ETIMEDOUT') {
      what = `hang (killed after ${timeout} ms)`;
    } else if (run.signal) {
      const first = err.split('\n').find((line) => /terminate|what\(\)|error|Assertion/i.test(line));
      what = `${run.signal}${first ? `: ${first.trim()}` : ''}`;
    } else if (run.status !== 0) {
      what = `exit ${run.status}: ${err.split('\n').slice(-1)[0]}`;
    } else if (/^query: ok$/m.test(out)) {
      what = 'query ok';
      bad = false;
    } else {
      const message = (out.match(/^query: error: (.*)$/m) || [])[1] || out;
      bad = !/closed|disconnected/i.test(message);
      what = `query error: ${message.split('\n')[0]}`;
    }
    if (bad) ++reproduced;
    seen[what] = (seen[what] || 0) + 1;
    console.log(`attempt ${i}: ${bad ? 'REPRODUCED' : 'clean'}: ${what}`);
    if (bad && err && process.env.SHOW_STDERR) console.log(err);
  }
  for (const [what, count] of Object.entries(seen)) console.log(`  ${count} x ${what}`);
  console.log(`reproduced ${reproduced} of ${attempts}`);
  process.exit(reproduced > 0 ? 0 : 1);
}

if (process.argv.includes('--child')) {
  child().catch((error) => { console.log(`child failed: ${error.stack}`); process.exit(3); });
} else {
  parent();
}
