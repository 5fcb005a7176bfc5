'use strict';
// lifeguard's Node.js driver: speaks the process protocol
// (adapters/process/PROTOCOL.md) on stdin and stdout, and performs each
// request through an engine's Node.js binding, the way its users call it.
//
//   node --expose-gc driver.js --binding kuzu|duckdb --modules DIR
//
// DIR is the node_modules folder that holds the binding (./run fetches it
// into build/engines/node-NAME-VERSION/node_modules). This file is the shared
// core: the protocol, the handles (the database "db", connections cN,
// results rN) and drop; one file per binding (kuzu.js, duckdb.js) maps the
// operations to that binding's own calls.
//
// Every request runs as soon as it arrives, so requests of different actors
// are in flight together: an async call (a query) runs on the binding's
// thread pool while the main thread takes the next request (a close). Each
// answer is written when its call settles. `drop` forgets the object and
// forces a garbage collection, so its finalizer runs while other work is in
// flight. stdin's end ends the driver: it forgets everything and lets Node
// exit, which runs the finalizers left (a crash there is a crash of the run).

const readline = require('readline');

const PROTOCOL_VERSION = 1;

function option(name) {
  const at = process.argv.indexOf(name);
  if (at < 0 || at + 1 >= process.argv.length) {
    process.stderr.write(`driver.js: missing ${name} (usage: node --expose-gc driver.js --binding NAME --modules DIR)\n`);
    process.exit(2);
  }
  return process.argv[at + 1];
}

const modules = option('--modules');
// A package's version, from its package.json (which its exports may hide from require).
const packageVersion = (name) =>
  JSON.parse(require('fs').readFileSync(require('path').join(modules, name, 'package.json'), 'utf8')).version;
const binding = require(`./${option('--binding')}.js`)(modules, packageVersion);
if (typeof global.gc !== 'function') {
  process.stderr.write('driver.js: run node with --expose-gc (drop forces a garbage collection)\n');
  process.exit(2);
}

// The handles. A call takes its object out of the map when it starts, so a
// close or drop that comes later leaves the call its own reference, as a
// JavaScript caller's variable would.
let db = null;
const conns = new Map();
const results = new Map();

class Answer {
  constructor(answer, value, message) {
    this.answer = answer;
    if (value !== undefined && value !== null) this.value = value;
    if (message) this.message = message;
  }
}
const ok = (value) => new Answer('Ok', value);
// What the binding threw, in its words, sorted by the binding's file (the
// statement that failed, if a query's; value: the statements before it).
function failed(error, statement, value) {
  const message = error && error.message !== undefined ? String(error.message) : String(error);
  return new Answer(binding.classify(message, statement), value, message);
}
const gone = () => new Answer('Gone', undefined, 'no such handle');

function forget(handle) {
  if (handle === 'db') {
    if (db === null) return false;
    db = null;
  } else if (!conns.delete(handle) && !results.delete(handle)) {
    return false;
  }
  global.gc();
  return true;
}

// What a schedule dropped is destroyed by the garbage collector, and a
// binding's native finalizers run from a later immediate (node's finalizer
// queue), where a dropped connection may destroy the last reference to its
// database. Collect, and let them run, before an open: an instance the
// schedule forgot is then gone, or still counted (refuseOpen), before
// another instance of its path opens. Else the old one's destructor (its
// checkpoint) could run while the new one opens.
async function settleFinalizers() {
  for (let turn = 0; turn < 3; ++turn) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// open_db and reopen: close the database there is, then open the file. A
// binding may refuse first (Busy, nothing changed), unless the request
// allows a second instance of the path (--outside-contract).
async function openDb(request) {
  await settleFinalizers();
  const refused = !request.second_instances && binding.refuseOpen && binding.refuseOpen();
  if (refused) return new Answer('Busy', undefined, refused);
  if (db !== null) {
    const old = db;
    db = null;
    await binding.closeDatabase(old);
  }
  db = await binding.openDatabase(request.path, request.tables);
  return ok();
}

const handlers = {
  open_db: openDb,
  reopen: openDb,
  async close_db() {
    if (db === null) return gone();
    const old = db;
    db = null;
    await binding.closeDatabase(old);
    return ok();
  },
  async drop(request) {
    return forget(request.handle) ? ok() : gone();
  },
  async connect(request) {
    if (db === null) return gone();
    conns.set(request.conn, await binding.connect(db));
    return ok();
  },
  async disconnect(request) {
    const conn = conns.get(request.conn);
    if (conn === undefined) return gone();
    conns.delete(request.conn);
    await binding.disconnect(conn);
    return ok();
  },
  async query(request) {
    const conn = conns.get(request.conn);
    if (conn === undefined) return gone();
    const outcome = await binding.query(conn, request.statements, request.result !== '-');
    // A query that failed before it made a result keeps null: it reads no rows.
    if (request.result !== '-') results.set(request.result, outcome.result || null);
    else if (outcome.result) binding.closeResult(outcome.result);
    if (outcome.error) return failed(outcome.error, outcome.failed, outcome.succeeded);
    return ok(outcome.succeeded);
  },
  async iterate(request) {
    const result = results.get(request.result);
    if (result === undefined) return gone();
    return ok(result === null ? 0 : await binding.iterate(result, request.part, request.rows));
  },
  async close_result(request) {
    const result = results.get(request.result);
    if (result === undefined) return gone();
    // Closed first: a binding may refuse (Busy), and then the result stays.
    if (result !== null) binding.closeResult(result);
    results.delete(request.result);
    return ok();
  },
  async interrupt(request) {
    const conn = conns.get(request.conn);
    if (conn === undefined) return gone();
    if (!binding.interrupt) return new Answer('Internal', undefined, 'this binding has no interrupt');
    binding.interrupt(conn);
    return ok();
  },
  async set_timeout(request) {
    const conn = conns.get(request.conn);
    if (conn === undefined) return gone();
    if (!binding.setTimeout) return new Answer('Internal', undefined, 'this binding has no query timeout');
    binding.setTimeout(conn, request.ms);
    return ok();
  },
  async check(request) {
    if (db === null) return gone();
    const answer = ok();
    answer.tables = await binding.readTables(db, request.tables);
    return answer;
  },
};

function send(id, answer) {
  process.stdout.write(JSON.stringify({ id, ...answer }) + '\n');
}

async function perform(request) {
  const handler = handlers[request.op];
  if (!handler) return new Answer('Internal', undefined, `the driver does not know the operation '${request.op}'`);
  try {
    return await handler(request);
  } catch (error) {
    return failed(error, null, request.op === 'query' ? 0 : undefined);
  }
}

const input = readline.createInterface({ input: process.stdin, terminal: false });
input.on('line', (line) => {
  if (line.trim() === '') return;
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    process.stderr.write(`driver.js: a request that is not JSON: ${line}\n`);
    process.exit(3);
  }
  perform(request).then((answer) => send(request.id, answer));
});
input.on('close', () => {
  // The run is over: forget everything, as a program that ends does, and let
  // Node exit on its own (its finalizers run then).
  db = null;
  conns.clear();
  results.clear();
  global.gc();
});

process.stdout.write(JSON.stringify({ lifeguard: PROTOCOL_VERSION, engine: binding.version,
                                      runtime: `node ${process.version}` }) + '\n');
