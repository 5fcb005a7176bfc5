'use strict';
// The `kuzu` package (Kuzu's Node.js binding), for driver.js. Its contract is
// the binding's documentation (adapters/node/README.md):
//   database    new kuzu.Database(path, 256 MiB, compression, rw, 4 GiB),
//               then init(); tables t1, t2 are node tables (a INT64 PRIMARY
//               KEY, b STRING), created when missing; close = db.close().
//   connection  new kuzu.Connection(db, 2) and init(); close = conn.close().
//   query       conn.query(text), the binding's async call on its thread
//               pool. A query of several statements runs them as one call
//               each, in turn, until one fails (the binding answers a
//               multi-statement text with one error for the whole, which
//               does not say which statement failed; the harness needs it).
//   iterate     the result's own iterator: hasNext() and await getNext().
//   timeout     conn.setQueryTimeout(ms). The binding has no interrupt.
// One instance per path (Kuzu's database.h: "there must not be multiple
// Database objects created with the same database path"): an open refuses
// (Busy) while an earlier instance of the path may live: while connections
// made on it are not closed or finalized, or calls on them still run (a
// close returns before them). adapters/duckdb/ and duckdb.js do the same.
module.exports = function load(modules, packageVersion) {
  const kuzu = require(require.resolve('kuzu', { paths: [modules] }));
  const version = packageVersion('kuzu');
  const opened = new Set();  // the paths opened so far, with their tables
  let live = 0;     // connections not yet closed or finalized
  let running = 0;  // calls on connections and results still running
  const finalized = new FinalizationRegistry((state) => {
    if (!state.closed) --live;
  });
  async function counted(call) {
    ++running;
    try {
      return await call();
    } finally {
      --running;
    }
  }

  function cypher(s) {
    switch (s.kind) {
      case 'long': {
        const side = Math.ceil(Math.sqrt(s.count));
        return `UNWIND range(1, ${side}) AS i UNWIND range(1, ${side}) AS j RETURN sum(i + j)`;
      }
      case 'count': return `MATCH (n:${s.table}) RETURN count(*)`;
      case 'insert':
        return `UNWIND range(0, ${s.count - 1}) AS i CREATE (:${s.table} {a: ${s.first} + i, b: 'v' + CAST(i AS STRING)})`;
      case 'copy':
      case 'copy_bad': return `COPY ${s.table} FROM '${s.csv}' (HEADER=false)`;  // as cypher.h
      case 'begin': return 'BEGIN TRANSACTION';
      case 'commit': return 'COMMIT';
      case 'rollback': return 'ROLLBACK';
      case 'bad_parse': return 'MATC (n:t1) RETURN count(*)';
      case 'bad_bind': return 'MATCH (n:no_such_table) RETURN count(*)';
      case 'bad_exec': {  // a hundredth of the rows, as cypher.h says (kuzuBadExecRows)
        const rows = Math.max(10, Math.floor(s.count / 100));
        return `UNWIND range(0, ${rows - 1}) AS x RETURN sum(x + ${9223372036854775807n - (BigInt(rows) * 9n) / 10n})`;
      }
    }
    throw new Error(`lifeguard: unknown statement kind ${s.kind}`);
  }

  return {
    version: `kuzu@${version}`,
    refuseOpen() {
      if (live === 0 && running === 0) return null;
      return `${live} connection(s) and ${running} call(s) of an earlier instance of the path still live`;
    },
    // Only a missing table is created; any other error fails the open. A
    // table missing at a later open of a path that had it is written to
    // stderr, so into the run's report: the engine lost it.
    async openDatabase(path, tables) {
      const db = new kuzu.Database(path, 256 * 1024 * 1024, true, false, 2 ** 32);
      await db.init();
      const setup = new kuzu.Connection(db, 2);
      for (const table of tables) {
        try {
          (await setup.query(`MATCH (n:${table}) RETURN count(*)`)).close();
        } catch (error) {
          if (!/does not exist/.test(String(error && error.message))) throw error;
          if (opened.has(path)) {
            process.stderr.write(`kuzu.js: table ${table} was missing at a later open of ${path}: created again\n`);
          }
          (await setup.query(`CREATE NODE TABLE ${table}(a INT64, b STRING, PRIMARY KEY(a))`)).close();
        }
      }
      await setup.close();
      opened.add(path);
      return db;
    },
    async closeDatabase(db) { await db.close(); },
    async connect(db) {
      const conn = new kuzu.Connection(db, 2);
      await conn.init();
      const state = { closed: false };
      conn.lifeguardState = state;
      ++live;
      finalized.register(conn, state);
      return conn;
    },
    async disconnect(conn) {
      await conn.close();
      if (!conn.lifeguardState.closed) {
        conn.lifeguardState.closed = true;
        --live;
      }
    },
    // { result: the chain of results, succeeded, error, failed: the statement }
    query(conn, statements) { return counted(() => this.runStatements(conn, statements)); },
    async runStatements(conn, statements) {
      const chain = [];
      for (const statement of statements) {
        let result;
        try {
          result = await conn.query(cypher(statement));
        } catch (error) {
          // Kuzu keeps a transaction open after a parse error (a bind or an
          // execution error ends it): end it, as the harness's model says.
          if (statement.kind === 'bad_parse') await conn.query('ROLLBACK').catch(() => {});
          return { result: chain.length ? chain : null, succeeded: chain.length, error, failed: statement };
        }
        chain.push(...(Array.isArray(result) ? result : [result]));
      }
      return { result: chain, succeeded: chain.length };
    },
    // Up to `rows` rows from the `part`-th result of the chain on.
    iterate(chain, part, rows) { return counted(() => this.readRows(chain, part, rows)); },
    async readRows(chain, part, rows) {
      let read = 0;
      for (let r = Math.min(part, chain.length - 1); r < chain.length && read < rows; ++r) {
        while (read < rows && chain[r].hasNext()) {
          chain[r].lifeguardReading = (chain[r].lifeguardReading || 0) + 1;
          try {
            await chain[r].getNext();
          } finally {
            --chain[r].lifeguardReading;
          }
          ++read;
        }
      }
      return read;
    },
    // The results being read first: @ladybugdb/core refuses to close one
    // while its getNext() runs (Busy), and then none of the chain is closed.
    closeResult(chain) {
      for (const result of [...chain].sort((a, b) => (b.lifeguardReading || 0) - (a.lifeguardReading || 0))) {
        result.close();
      }
    },
    // The harness's 0 means no timeout; the binding refuses 0 ("timeoutInMs
    // must be a positive number."), so the longest one stands for none.
    setTimeout(conn, ms) { conn.setQueryTimeout(ms > 0 ? ms : 2 ** 31 - 1); },
    async readTables(db, tables) {
      const reader = new kuzu.Connection(db, 2);
      const out = [];
      for (const table of tables) {
        const result = await reader.query(`MATCH (n:${table}) RETURN n.a AS a, n.b AS b`);
        out.push((await result.getAll()).map((row) => `${row.a}|${row.b}`));
        result.close();
      }
      await reader.close();
      return out;
    },
    // Kuzu's messages name the exception class; the binding adds its own.
    classify(message, statement) {
      const has = (text) => message.includes(text);
      const kind = statement ? statement.kind : '';
      if (has('Database is closed')) return 'DatabaseClosed';
      if (has('Connection is closed')) return 'ConnectionClosed';
      if (has('Query result is closed')) return 'InvalidUse';
      // @ladybugdb/core's native QueryResult refuses a close while a
      // getNext() on it is in flight, and changes nothing.
      if (has('Cannot close QueryResult while an async operation is in flight')) return 'Busy';
      if (has('Interrupted')) return 'Interrupted';
      // Kuzu's wording, and @ladybugdb/core's ("active write transactions"):
      // the write committed; the checkpoint after it did not run.
      if (/Timeout waiting for active (write )?transactions to leave the system before checkpointing/.test(message)) {
        return 'Indeterminate';
      }
      if (has('parent database is closed')) return 'DatabaseClosed';
      if (has('write transaction')) return 'WriteConflict';
      if ((kind === 'copy' || kind === 'copy_bad') && (has('Copy exception') || has('Conversion exception'))) return 'CopyError';
      if (has('Parser exception') || has('Binder exception') || has('Connection already has an active transaction') ||
          has('No active transaction for') || has('Cannot start a new transaction while there is an active') ||
          has('Overflow exception')) return 'UserError';
      return 'Internal';
    },
  };
};
