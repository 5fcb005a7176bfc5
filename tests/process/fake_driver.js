'use strict';
// A driver of the process protocol (adapters/process/PROTOCOL.md) with no
// engine, for process_adapter_test.cc: it answers Ok to everything (a
// query's value: its statements), unless --mode says otherwise. A query whose
// first statement has count -1 is held until the next request has been
// answered (or 5 s passed: then its value is -1), so its answer comes after
// a later one's. Modes:
//   crash-on-connect   writes "fake driver: boom" to stderr, then SIGSEGV
//   garbage-on-connect writes a line that is not JSON
//   version2           says hello in protocol version 2
//   exit-at-end        exits with status 3 when its input ends
const mode = process.argv[process.argv.indexOf('--mode') + 1] || 'ok';
const hello = { lifeguard: mode === 'version2' ? 2 : 1, engine: 'fake', runtime: `node ${process.version}` };
process.stdout.write(JSON.stringify(hello) + '\n');
const input = require('readline').createInterface({ input: process.stdin, terminal: false });
input.on('line', (line) => {
  const request = JSON.parse(line);
  if (request.op === 'connect' && mode === 'crash-on-connect') {
    process.stderr.write('fake driver: boom\n');
    process.kill(process.pid, 'SIGSEGV');
    return;
  }
  if (request.op === 'connect' && mode === 'garbage-on-connect') {
    process.stdout.write('this is not json\n');
    return;
  }
  const answer = { id: request.id, answer: 'Ok' };
  if (request.op === 'check') answer.tables = request.tables.map((t) => [`1|${t}`]);
  if (request.op === 'query') answer.value = request.statements.length;
  if (request.op === 'query' && request.statements[0].count === -1) {
    held = answer;
    setTimeout(() => release(-1), 5000).unref();
    return;
  }
  send(answer);
  release(answer.value);
});
let held = null;
const send = (answer) => process.stdout.write(JSON.stringify(answer) + '\n');
function release(value) {
  if (held === null) return;
  if (value === -1) held.value = -1;
  send(held);
  held = null;
}
input.on('close', () => {
  if (mode === 'exit-at-end') process.exit(3);
});
