'use strict';
// The `@duckdb/node-api` package (DuckDB's Node.js client), for driver.js.
// Its contract is the binding's documentation (adapters/node/README.md):
//   database    await DuckDBInstance.create(path, { threads: '2' }); tables
//               t1, t2 (a BIGINT, b VARCHAR) created when missing; close =
//               instance.closeSync().
//   connection  await instance.connect(); close = connection.closeSync().
//   query       each statement in turn: await connection.run(sql), the
//               binding's async call on its thread pool, until one fails; a
//               kept result's last statement, if it reads, is streamed
//               instead (await connection.stream(sql)), so that `iterate`
//               pulls rows from a query still running. A result holds its
//               last statement only (no result chains).
//   iterate     the result's own await fetchChunk(), row counts kept across calls.
//   interrupt   connection.interrupt(). There is no per-query timeout.
// One instance per file: an open refuses (Busy) while connections of an
// earlier instance of the file live (closed, or finalized after a drop), as
// adapters/duckdb/ does: a second instance of a file in one process loses
// the first one's writes.
module.exports = function load(modules, packageVersion) {
  const duckdb = require(require.resolve('@duckdb/node-api', { paths: [modules] }));
  const version = packageVersion('@duckdb/node-api');
  let live = 0;  // connections not yet closed or finalized
  const finalized = new FinalizationRegistry((state) => {
    if (!state.closed) --live;
  });

  function sql(s, streaming) {
    switch (s.kind) {
      case 'long':
        return streaming ? `SELECT x FROM range(${s.count * 30}) t(x) WHERE x % 997 = 0`
                         : `SELECT sum(x) FROM range(${s.count * 30}) t(x)`;
      case 'count': return `SELECT count(*) FROM ${s.table}`;
      case 'insert': {
        const rows = [];
        for (let i = 0; i < s.count; ++i) rows.push(`(${s.first + i}, 'v${i}')`);
        return `INSERT INTO ${s.table} VALUES ${rows.join(', ')}`;
      }
      case 'copy':
      case 'copy_bad': return `COPY ${s.table} FROM '${s.csv}' (HEADER false)`;
      case 'begin': return 'BEGIN TRANSACTION';
      case 'commit': return 'COMMIT';
      case 'rollback': return 'ROLLBACK';
      case 'bad_parse': return 'SELEC count(*) FROM t1';
      case 'bad_bind': return 'SELECT count(*) FROM no_such_table';
      case 'bad_exec':  // max, not sum: DuckDB rewrites sum(x + C), which then cannot overflow
        return `SELECT max(x + ${BigInt('9223372036854775807') - BigInt(s.count) * 27n}) FROM range(${s.count * 30}) t(x)`;
    }
    throw new Error(`lifeguard: unknown statement kind ${s.kind}`);
  }
  const reads = (s) => s.kind === 'long' || s.kind === 'count';

  return {
    version: `@duckdb/node-api@${version}`,
    refuseOpen() {
      return live > 0 ? `${live} connection(s) of an earlier instance of the file still live` : null;
    },
    async openDatabase(path, tables) {
      const db = await duckdb.DuckDBInstance.create(path, { threads: '2' });
      const setup = await db.connect();
      for (const table of tables) await setup.run(`CREATE TABLE IF NOT EXISTS ${table}(a BIGINT, b VARCHAR)`);
      setup.closeSync();
      return db;
    },
    async closeDatabase(db) { db.closeSync(); },
    async connect(db) {
      const conn = await db.connect();
      const state = { closed: false };
      conn.lifeguardState = state;
      ++live;
      finalized.register(conn, state);
      return conn;
    },
    async disconnect(conn) {
      conn.closeSync();
      if (!conn.lifeguardState.closed) {
        conn.lifeguardState.closed = true;
        --live;
      }
    },
    async query(conn, statements, keep) {
      let result = null;
      for (let i = 0; i < statements.length; ++i) {
        const statement = statements[i];
        const stream = keep && i === statements.length - 1 && reads(statement);
        try {
          result = stream ? await conn.stream(sql(statement, true)) : await conn.run(sql(statement, false));
        } catch (error) {
          // DuckDB keeps a transaction open after a parse or bind error (an
          // execution error aborts it): end it, as the harness's model says.
          if (statement.kind === 'bad_parse' || statement.kind === 'bad_bind') {
            await conn.run('ROLLBACK').catch(() => {});
          }
          return { result: null, succeeded: i, error, failed: statement };
        }
      }
      return { result: { result, buffered: 0 }, succeeded: statements.length };
    },
    async iterate(kept, part, rows) {
      let read = 0;
      while (read < rows) {
        if (kept.buffered === 0) {
          const chunk = await kept.result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          kept.buffered = chunk.rowCount;
        }
        const take = Math.min(kept.buffered, rows - read);
        kept.buffered -= take;
        read += take;
      }
      return read;
    },
    closeResult() {},  // the binding has no close for a result: the garbage collector frees it
    interrupt(conn) { conn.interrupt(); },
    async readTables(db, tables) {
      const reader = await db.connect();
      const out = [];
      try {
        for (const table of tables) {
          const result = await reader.runAndReadAll(`SELECT a, b FROM ${table}`);
          out.push(result.getRows().map((row) => `${row[0]}|${row[1]}`));
        }
      } finally {
        reader.closeSync();
      }
      return out;
    },
    classify(message, statement) {
      const has = (text) => message.includes(text);
      const copy = statement && (statement.kind === 'copy' || statement.kind === 'copy_bad');
      if (has('Attempting to fetch from') || has('Attempting to execute an unsuccessful') || has('closed streaming')) {
        return 'InvalidUse';
      }
      if (has('INTERRUPT Error') || has('Interrupted')) return 'Interrupted';
      if (has('onflict')) return 'WriteConflict';
      if (has('TransactionContext Error')) return 'UserError';
      if (copy && (has('Conversion Error') || has('CSV Error'))) return 'CopyError';
      if (has('Parser Error') || has('Binder Error') || has('Catalog Error') || has('Out of Range Error')) return 'UserError';
      if (has('Connection Error') || has('connection has been closed') || has('Connection was closed') ||
          has('disconnected')) return 'ConnectionClosed';
      // The binding's own, for a call made after its instance's closeSync().
      if (has('Database has been closed') || has('database has been closed') || has('instance closed')) {
        return 'DatabaseClosed';
      }
      return 'Internal';
    },
  };
};
