#include "lifeguard/harness/export.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "lifeguard/harness/workload.h"
#include "report/export_layout.h"

namespace lifeguard::harness {
namespace {

std::optional<Conditions> outcomeOf(const std::vector<std::string>& verdicts, bool contract) {
  Conditions out;
  std::set<std::string> seen;
  auto add = [&](const std::string& kind, const char* cpp, const char* node) {
    if (!seen.insert(kind).second) return;
    out.cpp += (out.cpp.empty() ? "" : " || ") + std::string(cpp);
    out.node += (out.node.empty() ? "" : " || ") + std::string(node);
  };
  for (const std::string& verdict : verdicts) {
    if (verdict == "crash" || verdict == "sanitizer") {
      add("crash", "(!hung && (WIFSIGNALED(status) || WEXITSTATUS(status) != 0))",
          "(!hung && (child.signal !== null || (child.status !== 0 && child.status !== 3)))");
    }
    if (verdict == "hang") add("hang", "hung", "hung");
    if (verdict == "contract" && contract) add("contract", "false", "(!hung && child.status === 3)");
  }
  if (out.cpp.empty()) return std::nullopt;
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : "|") + word;
  return text;
}

int awaitLevel(AwaitEvent event) { return event == AwaitEvent::kReturned ? 2 : 1; }

// The handle a call uses, which must still be there: as the driver answers
// "no such handle" to a call on a closed or dropped one, the program skips
// it (else it would fail on its own null, not in the engine). "" for none.
std::string usedHandle(const Op& op) {
  switch (op.kind) {
    case OpKind::kOpenDb:
    case OpKind::kReopen: return "";
    case OpKind::kConnect:
    case OpKind::kCheck:
    case OpKind::kCloseDb:
    case OpKind::kDropDb: return "db";
    default: return op.handle;
  }
}

// Each actor's operations: an await waits, a call is marked made, then returned.
}  // namespace

std::string actorBody(const Schedule& s, int actor, const ProgramParts& parts, Language language) {
  const bool node = language == Language::kNode;
  const bool c = language == Language::kC;
  std::string body;
  for (int i = 0; i < static_cast<int>(s.actors[actor].size()); ++i) {
    const Op& op = s.actors[actor][i];
    if (op.kind == OpKind::kAwait) {
      body += fmt::format("    {}awaitCall({}, {}, {});  // {}\n", node ? "await " : "", op.await_actor,
                          op.await_index, awaitLevel(op.await_event), formatOp(op));
      continue;
    }
    std::string call = parts.call(op, opTag(actor, i));
    if (call.empty()) {
      body += fmt::format("    // {}: not exported (no such call in this API)\n    mark({}, {}, 2);\n", formatOp(op),
                          actor, i);
      continue;
    }
    body += fmt::format("    // {}\n    mark({}, {}, 1);\n", formatOp(op), actor, i);
    if (std::string handle = usedHandle(op); !handle.empty()) {
      body += node ? fmt::format("    if ({} === null) console.log('  actor {}, {}: skipped ({} is gone)');\n    else ",
                                 handle, actor, formatOp(op), handle)
                   : fmt::format("    if (!{}) {}printf(\"  actor {}, {}: skipped ({} is gone)\\n\");\n    else ",
                                 handle, c ? "" : "std::", actor, formatOp(op), handle);
    } else {
      body += "    ";
    }
    body += c ? "{\n" : "try {\n";
    std::string indented;
    for (std::size_t start = 0; start < call.size();) {
      std::size_t end = call.find('\n', start);
      if (end == std::string::npos) end = call.size();
      indented += "      " + call.substr(start, end - start) + "\n";
      start = end + 1;
    }
    body += indented;
    if (node) {
      body += fmt::format("    }} catch (error) {{  // an error is an answer: say it, go on\n"
                          "      answered({}, {}, error);\n    }}\n",
                          actor, stringLiteral(formatOp(op)));
    } else {
      body += c ? "    }\n" : "    } catch (...) {}  // an error is an answer: go on\n";
    }
    body += fmt::format("    mark({}, {}, 2);\n", actor, i);
  }
  return body;
}

std::size_t longestActor(const Schedule& s) {
  std::size_t most = 1;
  for (const auto& actor : s.actors) most = std::max(most, actor.size());
  return most;
}

std::string headerComment(const Schedule& s, const std::string& verdict, const ProgramParts& parts,
                          const char* prefix) {
  std::string text = fmt::format("{} Reproduces a lifeguard failure ({}) of engine {}, policy {}, seed {},\n", prefix,
                                 verdict, s.engine, s.policy, s.seed);
  text += fmt::format("{} through the engine's public API only. Written by `lifeguard export`.\n{}\n", prefix, prefix);
  for (const std::string& comment : s.comments) {
    if (comment.starts_with(" lifeguard failure") || comment.starts_with(" replay:") ||
        comment.starts_with(" timeline:")) {
      continue;
    }
    text += prefix + comment + "\n";
  }
  text += fmt::format("{}\n{} Build and run (N attempts, default 10):\n{}   {}\n", prefix, prefix, prefix, parts.build);
  text += fmt::format("{} Each attempt runs in a child process with a fresh directory; the last line\n"
                      "{} says \"reproduced K of N\"; the exit code is 0 if K > 0, else 1.\n",
                      prefix, prefix);
  return text;
}

namespace {

std::string cppProgram(const Schedule& s, const std::string& verdict, const ProgramParts& parts, const Conditions& outcome) {
  std::string text = headerComment(s, verdict, parts, "//");
  text += parts.includes;
  text += "#include <signal.h>\n#include <sys/wait.h>\n#include <unistd.h>\n\n#include <atomic>\n#include <cstdio>\n"
          "#include <cstdlib>\n#include <cstring>\n#include <ctime>\n#include <fstream>\n#include <string>\n"
          "#include <thread>\n\nnamespace {\n\n";
  text += fmt::format("// 0: not yet; 1: the call was made; 2: it returned.\nstd::atomic<int> reached[{}][{}];\n",
                      s.actors.size(), longestActor(s));
  text += "void mark(int actor, int op, int level) { reached[actor][op].store(level); }\n"
          "[[maybe_unused]] void awaitCall(int actor, int op, int level) {\n"
          "  while (reached[actor][op].load() < level) std::this_thread::yield();\n}\n";
  text += fmt::format("// A COPY's input: rows (tag * {0} + i, 'v' + i); line bad_line (from 1) is bad.\n"
                      "[[maybe_unused]] std::string writeCsv(const std::string& path, long long tag, long long rows, long long bad_line) {{\n"
                      "  std::ofstream out(path);\n  for (long long i = 0; i < rows; ++i) {{\n"
                      "    if (i + 1 == bad_line) out << \"not_a_number,bad\\n\";\n"
                      "    else out << tag * {0} + i << \",v\" << i << \"\\n\";\n  }}\n  return path;\n}}\n\n"
                      "void attempt(const std::string& dir) {{\n",
                      kRowsPerTag);
  text += parts.handles + parts.prologue;
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    text += fmt::format("  std::thread actor{}([&] {{\n{}  }});\n", a, actorBody(s, a, parts, Language::kCpp));
  }
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) text += fmt::format("  actor{}.join();\n", a);
  text += "}\n\n}  // namespace\n\n";
  text += "char dir[4096];  // the attempt's directory\n\n";
  text += attemptsMain(outcome, "attempt(dir)");
  return text;
}

std::string nodeProgram(const Schedule& s, const std::string& verdict, const ProgramParts& parts,
                        const Conditions& outcome) {
  std::string text = "'use strict';\n" + headerComment(s, verdict, parts, "//");
  text += "const { spawnSync } = require('child_process');\nconst fs = require('fs');\nconst os = require('os');\n"
          "const path = require('path');\n\n"
          "const modules = path.resolve(process.argv[2] || 'node_modules');\n";
  text += parts.includes + "\n";
  text += fmt::format("// 0: not yet; 1: the call was made; 2: it returned.\n"
                      "const reached = Array.from({{ length: {} }}, () => new Array({}).fill(0));\n",
                      s.actors.size(), longestActor(s));
  text += "function mark(actor, op, level) { reached[actor][op] = level; }\n"
          "async function awaitCall(actor, op, level) {\n"
          "  while (reached[actor][op] < level) await new Promise((resolve) => setImmediate(resolve));\n}\n";
  text += fmt::format("// An error a call answered. One the binding does not document (none of the errors it\n"
                      "// says a call can answer) makes the attempt exit with status 3; a JavaScript TypeError\n"
                      "// raised in this program (such as a method this release lacks) is not the engine's\n"
                      "// answer, and does not count; one raised in the package's own code does.\n"
                      "let undocumented = false;\n"
                      "function answered(actor, call, error) {{\n"
                      "  const message = String(error && error.message);\n"
                      "  const frame = String(error && error.stack).split('\\n')[1] || '';\n"
                      "  const ours = error instanceof TypeError && !frame.includes(modules);\n"
                      "  const documented = ours || {};\n"
                      "  if (!documented) undocumented = true;\n"
                      "  const note = ours ? ' (a TypeError of this program, not the engine\\'s)' : documented ? '' : ' (undocumented)';\n"
                      "  console.log(`  actor ${{actor}}, ${{call}}: ${{message}}${{note}}`);\n}}\n",
                      parts.documented.empty() ? "true" : "(" + parts.documented + ")");
  text += fmt::format("// A COPY's input: rows (tag * {0} + i, 'v' + i); line badLine (from 1) is bad.\n"
                      "function writeCsv(file, tag, rows, badLine) {{\n  const lines = [];\n"
                      "  for (let i = 0; i < rows; ++i) lines.push(i + 1 === badLine ? 'not_a_number,bad' : "
                      "`${{tag * {0} + i}},v${{i}}`);\n"
                      "  fs.writeFileSync(file, lines.join('\\n') + '\\n');\n  return file;\n}}\n\n"
                      "async function attempt(dir) {{\n",
                      kRowsPerTag);
  text += parts.handles + parts.prologue;
  std::string actors;
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    text += fmt::format("  const actor{} = (async () => {{\n{}  }})();\n", a, actorBody(s, a, parts, Language::kNode));
    actors += (actors.empty() ? "actor" : ", actor") + std::to_string(a);
  }
  text += fmt::format("  await Promise.all([{}]);\n}}\n\n", actors);
  text += fmt::format(R"JS(if (process.env.LIFEGUARD_EXPORT_DIR) {{
  // An attempt: the actors, then a garbage collection (finalizers run, as
  // when a program goes on), then exit.
  attempt(process.env.LIFEGUARD_EXPORT_DIR).then(() => {{
    if (global.gc) global.gc();
    setImmediate(() => process.exit(undocumented ? 3 : 0));
  }}, (error) => {{
    console.log(`error: ${{error.message}}`);
    process.exit(0);
  }});
}} else {{
  const attempts = Number(process.argv[3] || 10);
  let reproduced = 0;
  for (let n = 1; n <= attempts; ++n) {{
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-'));
    const child = spawnSync(process.execPath, ['--expose-gc', __filename, modules], {{
      env: {{ ...process.env, LIFEGUARD_EXPORT_DIR: dir }}, encoding: 'utf8', timeout: 30000, killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'inherit'],
    }});
    const hung = child.error !== undefined && child.error.code === 'ETIMEDOUT';
    const same = {};
    if (same) ++reproduced;
    const how = hung ? 'still running after 30 s (killed)'
                     : child.signal ? `killed by ${{child.signal}}` : `exited with status ${{child.status}}`;
    console.log(`attempt ${{n}}: ${{how}}${{same ? ': reproduced' : ''}}`);
    if (child.stdout) process.stdout.write(child.stdout);  // the errors the calls answered
    fs.rmSync(dir, {{ recursive: true, force: true }});
  }}
  console.log(`reproduced ${{reproduced}} of ${{attempts}}`);
  process.exit(reproduced > 0 ? 0 : 1);
}}
)JS",
                      outcome.node.c_str());
  return text;
}

}  // namespace

std::string exportProgram(const Schedule& schedule, const std::vector<std::string>& verdicts,
                          const ProgramParts& parts, std::string* error) {
  std::optional<Conditions> outcome = outcomeOf(verdicts, parts.language == "node" && !parts.documented.empty());
  const std::string verdict = joined(verdicts);
  if (!outcome) {
    *error = "a " + verdict + " failure needs lifeguard's oracles to be seen; export reproduces crashes, "
             "sanitizer reports and hangs";
    return "";
  }
  if (parts.language == "cpp") return cppProgram(schedule, verdict, parts, *outcome);
  if (parts.language == "c") return cProgram(schedule, verdict, parts, *outcome);
  if (parts.language == "node") return nodeProgram(schedule, verdict, parts, *outcome);
  *error = "no program layout for language '" + parts.language + "' (cpp, c, node)";
  return "";
}

std::string stringLiteral(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

QueryText queryText(const QuerySpec& spec, std::int64_t tag,
                    const std::function<std::string(const QuerySpec& spec, std::int64_t tag, const CsvPath& csv)>& text,
                    bool node) {
  QueryText out;
  // Each COPY's file becomes a marker in the text, then a variable.
  std::string raw = text(spec, tag, [&](const QuerySpec& copy, std::int64_t copy_tag) {
    std::string variable = "copy" + std::to_string(copy_tag);
    std::string file = "copy_" + std::to_string(copy_tag) + ".csv";
    out.before += node ? fmt::format("const {} = writeCsv(path.join(dir, '{}'), {}, {}, {});\n", variable, file,
                                     copy_tag, copy.count, copy.kind == QueryKind::kCopyBad ? copy.bad_line : 0)
                       : fmt::format("const std::string {} = writeCsv(dir + \"/{}\", {}, {}, {});\n", variable, file,
                                     copy_tag, copy.count, copy.kind == QueryKind::kCopyBad ? copy.bad_line : 0);
    return "\x01" + variable + "\x02";
  });
  std::string expression;
  for (std::size_t at = 0; at < raw.size();) {
    std::size_t mark = raw.find('\x01', at);
    std::string literal = raw.substr(at, mark == std::string::npos ? std::string::npos : mark - at);
    if (!literal.empty()) expression += std::string(expression.empty() ? "" : " + ") + stringLiteral(literal);
    if (mark == std::string::npos) break;
    std::size_t end = raw.find('\x02', mark);
    std::string variable = raw.substr(mark + 1, end - mark - 1);
    expression += (expression.empty() ? (node ? "" : "std::string() + ") : " + ") + variable;
    at = end + 1;
  }
  out.expression = expression.empty() ? stringLiteral("") : expression;
  return out;
}

std::vector<std::string> handleNames(const Schedule& schedule) {
  std::set<std::string> names;
  for (const auto& actor : schedule.actors) {
    for (const Op& op : actor) {
      if (op.kind == OpKind::kAwait) continue;
      if (!op.handle.empty() && op.handle != "db") names.insert(op.handle);
      if ((op.kind == OpKind::kQuery || op.kind == OpKind::kExecute) && op.result != "-" && !op.result.empty()) {
        names.insert(op.result);
      }
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace lifeguard::harness
