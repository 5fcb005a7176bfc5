// HTML reports: a failure's timeline (`lifeguard show --html`) and a
// campaign's index (`lifeguard run --report DIR`). Each page is one
// self-contained file: its style and script are inline, it loads nothing
// from the network and no font, so it opens from a CI artifact or a mail.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lifeguard/harness/runner.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// What a timeline shows besides the history: where the run came from.
struct TimelineContext {
  std::string source;       // the artifact or schedule file, for the title
  std::string replay;       // the one-line replay command
  std::string engine;       // the engine's description ("" if unknown)
  std::vector<std::string> notes;  // further lines: how often it reproduced, ...
};

// The history of one run as swimlanes, one per actor and one for the
// teardown (and for a controlled run whose schedule holds its decision trace,
// one per engine thread, drawn from the trace): each operation a bar from its invocation to its return coloured
// by its answer (a bar that never returned runs to the end, hatched); every
// close, reopen, drop and interrupt marked across all lanes; the failure's
// operation (named by the oracle's message) or, for a run that ended the
// process (sanitizer, crash, hang), that end marked. Then the verdict, the
// oracle's message, the report with its stack, the schedule and the replay
// command. The x axis is the order of events (default) or time; zoom in to
// read a long run. Hovering a bar shows the operation and its answer.
std::string timelineHtml(const Schedule& schedule, const RunResult& result, const TimelineContext& context);

// One failure of a campaign, as its index lists it.
struct CampaignFailure {
  std::uint64_t seed = 0;
  Verdict verdict = Verdict::kPass;
  std::string group;     // what tells it from others of its verdict: top engine frame, or the message's shape
  std::string message;
  std::string reproduced;  // "reproduced 3 of 3 replays", or ""
  std::string artifact;  // its .sched file
  std::string timeline;  // its timeline page, relative to the index
  bool outside = false;  // outside the contract: the caller's fault
};

struct CampaignSummary {
  std::string engine, engine_description, policy, scheduler;
  std::uint64_t first_seed = 0;
  std::string parts;  // how it ran: "2 jobs", "shard 1/4, 2 jobs", "3 shards merged"
  std::uint64_t schedules = 0;  // schedules judged
  std::uint64_t runs = 0;       // runs of them (a sweep runs a schedule at several points)
  double seconds = 0;
  bool finished = false;  // false while the campaign still runs
  std::string exercised;  // the overlap tally's summary
  std::vector<CampaignFailure> failures;
};

// The index page: the campaign's engine and version, policy, strategy,
// schedules run and rate, then its failures grouped by verdict and group,
// each group counted once with a link to the timeline of its first failure
// and its other seeds listed.
std::string campaignHtml(const CampaignSummary& summary);

}  // namespace lifeguard::harness
