// The C layout of `lifeguard export --as c` (export_layout.h): the
// handles are globals (each attempt runs in a fresh forked child), one
// pthread per actor, the waits on C11 atomics.
#include <fmt/format.h>

#include "report/export_layout.h"

namespace lifeguard::harness {

// `main`, in C that is also C++: N attempts, each `attempt_call` in a forked
// child with a fresh directory `dir` (a global the program declares) and a
// 30 s deadline, then "reproduced K of N".
std::string attemptsMain(const Conditions& outcome, const char* attempt_call) {
  return fmt::format(R"C(int main(int argc, char** argv) {{
  const int attempts = argc > 1 ? atoi(argv[1]) : 10;
  int reproduced = 0;
  for (int n = 1; n <= attempts; ++n) {{
    snprintf(dir, sizeof dir, "%s/repro-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL) return perror("mkdtemp"), 2;
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {{
      {1};
      fflush(NULL);
      _exit(0);
    }}
    int status = 0, hung = 0;
    time_t start = time(NULL);
    while (waitpid(child, &status, WNOHANG) == 0) {{
      if (time(NULL) - start > 30) {{
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        hung = 1;
        break;
      }}
      usleep(10000);
    }}
    const int same = {0};
    reproduced += same;
    if (hung) printf("attempt %d: still running after 30 s (killed)", n);
    else if (WIFSIGNALED(status)) printf("attempt %d: killed by signal %d (%s)", n, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else printf("attempt %d: exited with status %d", n, WEXITSTATUS(status));
    printf("%s\n", same ? ": reproduced" : "");
    char remove[4200];
    snprintf(remove, sizeof remove, "rm -rf '%s'", dir);
    if (system(remove) != 0) fprintf(stderr, "could not remove %s\n", dir);
  }}
  printf("reproduced %d of %d\n", reproduced, attempts);
  return reproduced > 0 ? 0 : 1;
}}
)C",
                      outcome.cpp, attempt_call);
}

std::string cProgram(const Schedule& s, const std::string& verdict, const ProgramParts& parts,
                     const Conditions& outcome) {
  std::string text = headerComment(s, verdict, parts, "//");
  text += parts.includes;
  text += "#include <pthread.h>\n#include <sched.h>\n#include <signal.h>\n#include <stdatomic.h>\n#include <stdio.h>\n"
          "#include <stdlib.h>\n#include <string.h>\n#include <sys/wait.h>\n#include <time.h>\n#include <unistd.h>\n\n";
  text += fmt::format("// 0: not yet; 1: the call was made; 2: it returned.\nstatic atomic_int reached[{}][{}];\n",
                      s.actors.size(), longestActor(s));
  text += "static void mark(int actor, int op, int level) { atomic_store(&reached[actor][op], level); }\n"
          "__attribute__((unused)) static void awaitCall(int actor, int op, int level) {\n"
          "  while (atomic_load(&reached[actor][op]) < level) sched_yield();\n}\n\n"
          "// The attempt's directory, and the handles.\nstatic char dir[4096];\n";
  text += parts.handles + "\n";
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    text += fmt::format("static void* actor{}(void* unused) {{\n  (void)unused;\n{}  return NULL;\n}}\n\n", a,
                        actorBody(s, a, parts, Language::kC));
  }
  text += fmt::format("static void attempt(void) {{\n{}  pthread_t threads[{}];\n", parts.prologue, s.actors.size());
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    text += fmt::format("  pthread_create(&threads[{0}], NULL, actor{0}, NULL);\n", a);
  }
  text += fmt::format("  for (int a = 0; a < {}; ++a) pthread_join(threads[a], NULL);\n}}\n\n", s.actors.size());
  text += attemptsMain(outcome, "attempt()");
  return text;
}

}  // namespace lifeguard::harness
