// The HTML reports, from hand-made histories, and what an artifact gives back.
#include <gtest/gtest.h>

#include "support/history_builder.h"
#include "support/schedule_text.h"

#include "lifeguard/harness/artifact.h"
#include "lifeguard/harness/report.h"

namespace lifeguard::harness {
namespace {

using test::HistoryBuilder;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Actor 1 disconnects c1 while actor 0's query on it runs; the query never
// returns (the process died).
Schedule closeDuringQuery() {
  return test::parseInline("actor 0\n  open_db\n  connect c1\n  query c1 r1 long 1000\nactor 1\n  disconnect c1\n");
}

RunResult diedDuringQuery() {
  RunResult r;
  r.verdict = Verdict::kSanitizer;
  r.message = "heap-use-after-free <in> the query's task";
  r.report = "==1==ERROR: AddressSanitizer: heap-use-after-free\n    #0 0x1 in lifeguard::Task::run()\n";
  r.history = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 0)
                  .ret(1, 0, Answer::ok()).events();
  return r;
}

TEST(TimelineTest, DrawsEveryOperationMarksTheCloseAndTheEnd) {
  std::string page = timelineHtml(closeDuringQuery(), diedDuringQuery(), {"f.sched", "lifeguard replay f.sched", "", {}});
  EXPECT_EQ(count(page, "<div class=\"bar "), 4u);
  EXPECT_EQ(count(page, "<div class=\"bar open\""), 1u) << "the query that never returned";
  EXPECT_NE(page.find("never returned: in flight when the run ended"), std::string::npos);
  EXPECT_NE(page.find(">query c1 r1 long 1000</div>"), std::string::npos);
  EXPECT_EQ(count(page, "<div class=\"mark\""), 1u) << "the disconnect, across every lane";
  EXPECT_NE(page.find("sanitizer: the run ended"), std::string::npos);
  EXPECT_NE(page.find("<pre id=\"replay\">lifeguard replay f.sched</pre>"), std::string::npos);
  EXPECT_NE(page.find("#0 0x1 in lifeguard::Task::run()"), std::string::npos);
  EXPECT_EQ(count(page, "<div class=\"row lane\">"), 3u) << "two actors and the teardown";
}

TEST(TimelineTest, IsSelfContainedAndEscapesWhatTheEngineSaid) {
  std::string page = timelineHtml(closeDuringQuery(), diedDuringQuery(), {"f.sched", "", "", {}});
  EXPECT_EQ(page.find("<in>"), std::string::npos);
  EXPECT_NE(page.find("&lt;in&gt;"), std::string::npos);
  for (const char* outside : {"src=", "href=", "http:", "https:", "@import", "url("}) {
    EXPECT_EQ(page.find(outside), std::string::npos) << outside;
  }
}

TEST(TimelineTest, OutlinesTheOperationTheOracleNamed) {
  RunResult r;
  r.verdict = Verdict::kContract;
  r.message = "actor 1 op #0 'disconnect c1' answered Internal: boom; with the handle open the contract allows {Ok}";
  r.history = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2)
                  .call(1, 0, Answer{AnswerKind::kInternal, "boom", std::nullopt}).ret(0, 2, Answer::ok()).events();
  std::string page = timelineHtml(closeDuringQuery(), r, {"f.sched", "", "", {}});
  EXPECT_EQ(count(page, "culprit"), 2u) << "its class, and the style's rule";
  EXPECT_NE(page.find("<div class=\"bar bad culprit\""), std::string::npos);
  EXPECT_NE(page.find("class=\"flabel\""), std::string::npos);
  EXPECT_EQ(page.find("the run ended"), std::string::npos) << "the run did not end the process";
}

// Under a controlled scheduler each event carries its step, and the
// decision trace places the engine's own threads between the events.
TEST(TimelineTest, DrawsTheEngineThreadsOfAControlledRun) {
  Event e;
  e.seq = 3, e.at_ms = 1.5, e.step = 4021, e.sweep_step = 816, e.actor = 1, e.index = 2, e.type = EventType::kRunning;
  EXPECT_EQ(formatEvent(e), "seq 3 +1.5ms s4021 w816 a1#2 running");
  Event back;
  ASSERT_TRUE(parseEvent(formatEvent(e), &back));
  EXPECT_EQ(back.step, 4021u);
  EXPECT_EQ(back.sweep_step, 816u);
  ASSERT_TRUE(parseEvent("seq 3 +1.5ms s4021 a1#2 running", &back)) << "an artifact from before sweep steps";
  EXPECT_EQ(back.step, 4021u);
  ASSERT_TRUE(parseEvent("seq 3 +1.5ms a1#2 running", &back)) << "an artifact written before steps";
  Schedule s = closeDuringQuery();
  RunResult r = diedDuringQuery();
  for (std::size_t i = 0; i < r.history.size(); ++i) r.history[i].step = 10 * (i + 1);
  // Steps 0-9: actor 0 (thread 1); 10-29: thread 3, an engine worker; 30-59: actor 1 (thread 2), ...
  s.trace.decisions.assign(10, 1);
  s.trace.decisions.insert(s.trace.decisions.end(), 20, 3);
  s.trace.decisions.insert(s.trace.decisions.end(), 30, 2);
  s.trace.decisions.insert(s.trace.decisions.end(), 5, 4);
  std::string page = timelineHtml(s, r, {"f.sched", "", "", {}});
  EXPECT_NE(page.find(">thread 3</div>"), std::string::npos);
  EXPECT_NE(page.find(">thread 4</div>"), std::string::npos);
  EXPECT_EQ(page.find(">thread 2</div>"), std::string::npos) << "an actor's thread is its actor's lane";
  EXPECT_NE(page.find("engine thread 3 ran steps 10 to 29"), std::string::npos);
  EXPECT_EQ(count(page, "<div class=\"bar thread\""), 2u);
}

TEST(ArtifactRecordTest, GivesBackWhatTheArtifactWasWrittenFrom) {
  Schedule s = closeDuringQuery();
  s.policy = "legacy";
  RunResult r = diedDuringQuery();
  std::string text = formatArtifact(s, r, "out/f.sched", "reproduced 2 of 3 replays");
  ParseError error;
  auto parsed = parseSchedule(text, &error);
  ASSERT_TRUE(parsed) << error.message;
  ArtifactRecord record = readArtifact(*parsed, text);
  EXPECT_EQ(record.result.verdict, Verdict::kSanitizer);
  EXPECT_EQ(record.result.message, r.message);
  EXPECT_EQ(record.result.report, r.report);
  EXPECT_EQ(record.result.history.size(), r.history.size());
  EXPECT_EQ(record.replay, "lifeguard replay out/f.sched");
  EXPECT_EQ(record.notes, std::vector<std::string>{"reproduced 2 of 3 replays"});
  ArtifactRecord plain = readArtifact(s, formatSchedule(s));
  EXPECT_EQ(plain.result.verdict, Verdict::kPass);
  EXPECT_TRUE(plain.result.history.empty());
}

TEST(CampaignPageTest, CountsEachGroupOnceAndListsTheOtherSeeds) {
  CampaignSummary s;
  s.engine = "duckdb@1.5.6-r.1";
  s.policy = "binding";
  s.scheduler = "os";
  s.schedules = 30;
  s.runs = 40;
  s.seconds = 10;
  s.parts = "shard 1/2, 2 jobs";
  s.finished = true;
  auto failure = [](std::uint64_t seed, Verdict v, const std::string& group, bool outside) {
    CampaignFailure f;
    f.seed = seed, f.verdict = v, f.group = group, f.outside = outside;
    f.timeline = "timelines/" + std::to_string(seed) + ".html";
    return f;
  };
  s.failures = {failure(7, Verdict::kSanitizer, "engine::Task::run", false),
                failure(9, Verdict::kContract, "actor N op #N", true),
                failure(11, Verdict::kSanitizer, "engine::Task::run", false),
                failure(12, Verdict::kSanitizer, "engine::Other", false)};
  std::string page = campaignHtml(s);
  EXPECT_EQ(count(page, "<tr class=\"group\">"), 3u);
  EXPECT_NE(page.find("<td class=\"count\">2</td>"), std::string::npos);
  EXPECT_NE(page.find("also seeds <a href=\"timelines/11.html\">11</a>"), std::string::npos);
  EXPECT_NE(page.find("3 in 2 groups, and 1 outside the contract"), std::string::npos);
  EXPECT_NE(page.find("30, 40 runs in 10.0 s (4.0 runs/s), shard 1/2, 2 jobs"), std::string::npos);
  EXPECT_LT(page.find("engine::Other"), page.find("actor N op #N")) << "engine failures first";
}

}  // namespace
}  // namespace lifeguard::harness
