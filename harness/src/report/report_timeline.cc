// lifeguard show --html: a run's history as swimlanes (report.h).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

#include "lifeguard/harness/report.h"
#include "report/report_html.h"
#include "report/report_threads.h"

namespace lifeguard::harness {
namespace {

using html::escape;
using html::fixed;

// Both axes of the chart. On the order axis every event takes one slot and
// one more slot stands for the end of the run; on the time axis x is the
// event's time since the run started.
struct Axis {
  std::size_t slots = 1;
  double end_ms = 1;
  double order(std::size_t slot) const { return 100.0 * static_cast<double>(slot) / static_cast<double>(slots); }
  double time(double ms) const { return 100.0 * ms / end_ms; }
};

// An element's place on both axes: style for the order axis (the default,
// readable without the script), data attributes for the script's toggle.
std::string placed(double o_left, double o_width, double t_left, double t_width) {
  std::string o = fixed(o_left) + "," + fixed(o_width), t = fixed(t_left) + "," + fixed(t_width);
  // A mark or a label has no width: it is as wide as its content.
  return " data-o=\"" + o + "\" data-t=\"" + t + "\" style=\"left:" + fixed(o_left) + "%" +
         (o_width > 0 ? ";width:" + fixed(o_width) + "%" : "") + "\"";
}

// One operation of the history: its events' slots and times.
struct OpSpan {
  std::size_t invoked = 0;
  double invoked_ms = 0;
  std::optional<std::size_t> returned;
  double returned_ms = 0;
  Answer answer;
  std::vector<std::pair<std::size_t, double>> progress;  // started, running
  std::string progress_text;
};

std::map<std::pair<int, int>, OpSpan> spansOf(const std::vector<Event>& history) {
  std::map<std::pair<int, int>, OpSpan> spans;
  for (std::size_t slot = 0; slot < history.size(); ++slot) {
    const Event& e = history[slot];
    OpSpan& span = spans[{e.actor, e.index}];
    std::string at = "+" + fixed(e.at_ms, 1) + " ms (event " + std::to_string(e.seq) + ")";
    if (e.type == EventType::kInvoke) {
      span.invoked = slot, span.invoked_ms = e.at_ms;
      span.progress_text = "invoked " + at + span.progress_text;
    } else if (e.type == EventType::kReturn) {
      span.returned = slot, span.returned_ms = e.at_ms, span.answer = e.answer;
    } else {
      span.progress.emplace_back(slot, e.at_ms);
      span.progress_text += std::string("\n") + (e.type == EventType::kStarted ? "started " : "running ") + at;
    }
  }
  return spans;
}

// Green: done; blue: a lifecycle answer (closed, interrupted, busy, ...);
// amber: an error the schedule can cause; red: never allowed.
const char* answerClass(AnswerKind kind) {
  switch (kind) {
    case AnswerKind::kOk: return "ok";
    case AnswerKind::kConnectionClosed: case AnswerKind::kDatabaseClosed: case AnswerKind::kInterrupted:
    case AnswerKind::kTimeout: case AnswerKind::kBusy: case AnswerKind::kGone:
      return "closed";
    case AnswerKind::kInternal: return "bad";
    default: return "err";
  }
}

bool endsTheProcess(Verdict verdict) {
  return verdict == Verdict::kSanitizer || verdict == Verdict::kCrash || verdict == Verdict::kHang;
}

// The operation an oracle's message names ("actor 1 op #4 ...", "teardown
// step 2 ..."), if any.
std::optional<std::pair<int, int>> culpritOf(const std::string& message, int actors) {
  std::smatch m;
  if (std::regex_search(message, m, std::regex(R"(^actor (\d+) op #(\d+))"))) {
    return std::make_pair(std::stoi(m[1]), std::stoi(m[2]));
  }
  if (std::regex_search(message, m, std::regex(R"(^teardown step (\d+))"))) {
    return std::make_pair(actors, std::stoi(m[1]));
  }
  return std::nullopt;
}

std::string opText(const Schedule& s, int actor, int index) {
  if (actor >= static_cast<int>(s.actors.size())) return "teardown step " + std::to_string(index);
  if (index >= static_cast<int>(s.actors[actor].size())) return "op #" + std::to_string(index);
  return formatOp(s.actors[actor][index]);
}

struct Chart {
  std::string lanes;  // one row per lane
  std::string marks;  // lines across every lane
  std::string labels;  // the marks' labels, in the axis row
  std::vector<std::string> thread_names;  // the engine threads' lanes, after the actors'
  // Closes to mark: slot, placement, tip, label.
  std::vector<std::tuple<std::size_t, std::string, std::string, std::string>> closes;
};

// The bar of one operation, its progress ticks, and its mark if it closes.
void drawOp(const Schedule& s, const Axis& axis, int actor, int index, const OpSpan& span, bool culprit,
            Chart* chart, std::string* lane) {
  const std::string text = opText(s, actor, index);
  const bool await = actor < static_cast<int>(s.actors.size()) && index < static_cast<int>(s.actors[actor].size()) &&
                     s.actors[actor][index].kind == OpKind::kAwait;
  std::size_t end_slot = span.returned ? *span.returned + 1 : axis.slots;
  double end_ms = span.returned ? span.returned_ms : axis.end_ms;
  std::string cls = await ? "wait" : span.returned ? answerClass(span.answer.kind) : "open";
  std::string tip = (actor < static_cast<int>(s.actors.size()) ? "actor " + std::to_string(actor) + " op #" +
                                                                    std::to_string(index) + ": "
                                                              : "") +
                    text + "\n" + span.progress_text + "\n" +
                    (span.returned ? "returned +" + fixed(span.returned_ms, 1) + " ms: " + span.answer.toString()
                                   : "never returned: in flight when the run ended");
  *lane += "<div class=\"bar " + cls + (culprit ? " culprit" : "") + "\" data-tip=\"" + escape(tip) + "\"" +
           placed(axis.order(span.invoked), axis.order(end_slot) - axis.order(span.invoked),
                  axis.time(span.invoked_ms), axis.time(end_ms) - axis.time(span.invoked_ms)) +
           ">" + escape(await ? "" : text) + "</div>";
  for (const auto& [slot, ms] : span.progress) {
    *lane += "<i class=\"tick\"" + placed(axis.order(slot) + 0.5 * axis.order(1), 0, axis.time(ms), 0) + "></i>";
  }
  if (await || actor >= static_cast<int>(s.actors.size()) || !isLifecycleCut(s.actors[actor][index].kind)) return;
  chart->closes.emplace_back(span.invoked, placed(axis.order(span.invoked), 0, axis.time(span.invoked_ms), 0), tip,
                             "a" + std::to_string(actor) + " " + text);
}

// Each close marked across every lane; labels alternate between two lines
// in the order of the closes, so that neighbours stay readable.
void drawCloses(Chart* chart) {
  std::sort(chart->closes.begin(), chart->closes.end());
  bool low = false;
  for (const auto& [slot, where, tip, label] : chart->closes) {
    chart->marks += "<div class=\"mark\"" + where + "></div>";
    chart->labels += std::string("<div class=\"mlabel") + (low ? " low" : "") + "\" data-tip=\"" + escape(tip) +
                     "\"" + where + ">" + escape(label) + "</div>";
    low = !low;
  }
}

// Under a controlled scheduler: a lane per engine thread, a bar per stretch
// of steps it ran.
void drawEngineThreads(const Schedule& s, const RunResult& r, const Axis& axis, Chart* chart) {
  const int actors = static_cast<int>(s.actors.size());
  for (const html::ThreadLane& lane : html::engineThreadLanes(s.trace.decisions, actors, r.history, axis.slots,
                                                              axis.end_ms)) {
    std::string bars;
    for (const html::Stretch& st : lane.stretches) {
      std::string tip = "engine thread " + std::to_string(lane.thread) + " ran steps " +
                        std::to_string(st.first_step) + " to " + std::to_string(st.last_step);
      bars += "<div class=\"bar thread\" data-tip=\"" + escape(tip) + "\"" +
              placed(st.order_from, std::max(st.order_to - st.order_from, 0.001), st.time_from,
                     std::max(st.time_to - st.time_from, 0.001)) +
              "></div>";
    }
    chart->lanes += "<div class=\"row lane\">" + bars + "</div>\n";
    chart->thread_names.push_back("thread " + std::to_string(lane.thread));
  }
}

Chart drawChart(const Schedule& s, const RunResult& r, const Axis& axis) {
  Chart chart;
  auto spans = spansOf(r.history);
  auto culprit = culpritOf(r.message, static_cast<int>(s.actors.size()));
  int lanes = static_cast<int>(s.actors.size()) + 1;
  for (int actor = 0; actor < lanes; ++actor) {
    std::string lane;
    for (const auto& [key, span] : spans) {
      if (key.first == actor) drawOp(s, axis, actor, key.second, span, culprit == key, &chart, &lane);
    }
    chart.lanes += "<div class=\"row lane\">" + lane + "</div>\n";
  }
  drawEngineThreads(s, r, axis, &chart);
  drawCloses(&chart);
  if (endsTheProcess(r.verdict)) {
    std::string where = placed(axis.order(axis.slots - 1), 0, 100, 0);
    chart.marks += "<div class=\"fail\"" + where + "></div>";
    chart.labels += "<div class=\"flabel end\"" + where + ">" + std::string(toString(r.verdict)) + ": the run ended</div>";
  } else if (culprit && spans.count(*culprit)) {
    const OpSpan& span = spans[*culprit];
    std::size_t slot = span.returned.value_or(span.invoked);
    double ms = span.returned ? span.returned_ms : span.invoked_ms;
    std::string where = placed(axis.order(slot + 1), 0, axis.time(ms), 0);
    chart.marks += "<div class=\"fail\"" + where + "></div>";
    chart.labels += "<div class=\"flabel\"" + where + ">" + std::string(toString(r.verdict)) + "</div>";
  }
  return chart;
}

constexpr const char* kStyle = R"(
.controls { margin: 10px 0; }
.controls button { margin-right: 4px; }
.tl { display: flex; border: 1px solid #ddd; }
.names { flex: 0 0 110px; border-right: 1px solid #ddd; background: #fafafa; }
.names .row { padding-left: 8px; font-weight: 600; line-height: 28px; }
.scroll { flex: 1; overflow-x: auto; }
.plot { position: relative; min-width: 100%; }
.row { height: 28px; position: relative; border-bottom: 1px solid #eee; }
.row.axis { height: 34px; }
.bar { position: absolute; top: 4px; height: 20px; min-width: 3px; border-radius: 3px; color: #fff; font-size: 11px;
       line-height: 20px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 0 3px;
       box-sizing: border-box; }
.bar.ok { background: var(--ok); } .bar.closed { background: var(--closed); }
.bar.err { background: var(--err); } .bar.bad { background: var(--bad); }
.bar.wait { background: #e0e0e0; top: 11px; height: 6px; }
.bar.thread { background: #78909c; top: 8px; height: 12px; min-width: 1px; padding: 0; }
.bar.open { background: repeating-linear-gradient(45deg, var(--bad) 0 6px, #ef9a9a 6px 12px);
            text-shadow: 0 0 3px #000, 0 0 2px #000; }
.bar.culprit { outline: 3px solid #000; z-index: 2; }
.tick { position: absolute; top: 6px; height: 16px; width: 2px; background: #fff; opacity: .8; pointer-events: none; }
.mark { position: absolute; top: 0; bottom: 0; border-left: 2px dashed var(--mark); z-index: 1; pointer-events: none; }
.mlabel, .flabel { position: absolute; top: 3px; font-size: 11px; white-space: nowrap; padding-left: 3px; }
.mlabel { color: var(--mark); }
.mlabel.low { top: 18px; }
.fail { position: absolute; top: 0; bottom: 0; border-left: 3px solid var(--bad); z-index: 3; pointer-events: none; }
.flabel { color: var(--bad); font-weight: 600; }
.flabel.end { top: 18px; transform: translateX(-100%); padding: 0 4px 0 0; background: #fff; z-index: 4; }
.legend span { display: inline-block; padding: 0 6px; margin-right: 6px; border-radius: 3px; color: #fff; font-size: 12px; }
#tip { position: fixed; display: none; background: #222; color: #fff; padding: 6px 8px; white-space: pre;
       font: 12px ui-monospace, monospace; border-radius: 4px; pointer-events: none; z-index: 10; }
)";

constexpr const char* kScript = R"(
const plot = document.querySelector('.plot'), tip = document.getElementById('tip');
let zoom = Number(plot.dataset.zoom), axis = 'o';
function place() {
  document.querySelectorAll('[data-o]').forEach(e => {
    const v = e.dataset[axis].split(',');
    e.style.left = v[0] + '%';
    if (Number(v[1]) > 0) e.style.width = v[1] + '%';
  });
  document.getElementById('axis').textContent = axis === 'o' ? 'order of events' : 'time';
}
function setZoom(z) {
  zoom = Math.max(1, Math.min(256, z));
  plot.style.width = (zoom * 100) + '%';
  document.getElementById('zoom').textContent = zoom + '\u00d7';
}
document.getElementById('in').onclick = () => setZoom(zoom * 2);
document.getElementById('out').onclick = () => setZoom(zoom / 2);
document.getElementById('fit').onclick = () => setZoom(1);
document.getElementById('toggle').onclick = () => { axis = axis === 'o' ? 't' : 'o'; place(); };
document.addEventListener('keydown', e => { if (e.key === '+') setZoom(zoom * 2); if (e.key === '-') setZoom(zoom / 2); });
document.addEventListener('mouseover', e => {
  const b = e.target.closest('[data-tip]');
  tip.style.display = b ? 'block' : 'none';
  if (b) tip.textContent = b.dataset.tip;
});
document.addEventListener('mousemove', e => {
  tip.style.left = Math.min(e.clientX + 14, innerWidth - tip.offsetWidth - 4) + 'px';
  tip.style.top = (e.clientY + 14) + 'px';
});
setZoom(zoom);
place();
document.body.dataset.ready = 'yes';  // the script ran (a test reads it)
)";

std::string header(const Schedule& s, const RunResult& r, const TimelineContext& c) {
  std::string verdict(toString(r.verdict));
  std::string body = "<h1><span class=\"verdict" + std::string(r.verdict == Verdict::kPass ? " pass" : "") + "\">" +
                     escape(verdict) + "</span> " + escape(c.source) + "</h1>\n<p>engine <b>" + escape(s.engine) +
                     "</b>" + (c.engine.empty() ? "" : " <span class=\"muted\">(" + escape(c.engine) + ")</span>") +
                     ", policy <b>" + escape(s.policy) + "</b>, scheduler <b>" + escape(s.scheduler.name) +
                     "</b>, seed " + std::to_string(s.seed) + ", " + std::to_string(r.history.size()) +
                     " events</p>\n";
  if (!r.message.empty()) body += "<p id=\"message\"><b>What failed:</b> " + escape(r.message) + "</p>\n";
  if (!r.hints.empty()) {
    body += "<ul id=\"hints\">\n";
    for (const std::string& hint : r.hints) body += "<li><b>Why:</b> " + escape(hint) + "</li>\n";
    body += "</ul>\n";
  }
  for (const std::string& note : c.notes) body += "<p class=\"muted\">" + escape(note) + "</p>\n";
  if (!c.replay.empty()) body += "<p>Replay:</p><pre id=\"replay\">" + escape(c.replay) + "</pre>\n";
  return body;
}

}  // namespace

std::string timelineHtml(const Schedule& s, const RunResult& r, const TimelineContext& c) {
  Axis axis;
  axis.slots = r.history.size() + 1;
  for (const Event& e : r.history) axis.end_ms = std::max(axis.end_ms, e.at_ms * 1.02);
  Chart chart = drawChart(s, r, axis);
  // Zoomed so that an event's slot is at least ~6 px of a 1,200 px window.
  int zoom = 1;
  while (zoom < 256 && 1200.0 * zoom / static_cast<double>(axis.slots) < 6) zoom *= 2;
  std::string names = "<div class=\"row axis\"></div>";
  for (std::size_t a = 0; a < s.actors.size(); ++a) names += "<div class=\"row\">actor " + std::to_string(a) + "</div>";
  names += "<div class=\"row\">teardown</div>";
  for (const std::string& thread : chart.thread_names) {
    names += "<div class=\"row\" title=\"an engine thread: its stretches of steps under the controlled scheduler\">" +
             thread + "</div>";
  }
  std::string body = header(s, r, c);
  body += "<div class=\"controls\">x axis: <b id=\"axis\">order of events</b> <button id=\"toggle\">order / time"
          "</button> zoom <b id=\"zoom\">1\u00d7</b> <button id=\"out\">\u2212</button><button id=\"in\">+</button>"
          "<button id=\"fit\">fit</button> <span class=\"legend\"><span style=\"background:var(--ok)\">ok</span>"
          "<span style=\"background:var(--closed)\">closed, interrupted, busy</span><span style=\"background:"
          "var(--err)\">error</span><span style=\"background:var(--bad)\">internal or never returned</span>"
          "<span style=\"background:var(--mark)\">close, reopen, drop, interrupt</span></span></div>\n";
  body += "<div class=\"tl\"><div class=\"names\">" + names + "</div><div class=\"scroll\"><div class=\"plot\" " +
          "data-zoom=\"" + std::to_string(zoom) + "\" style=\"width:" + std::to_string(zoom * 100) + "%\">" +
          "<div class=\"row axis\">" + chart.labels + "</div>\n" + chart.lanes + chart.marks +
          "</div></div></div>\n<div id=\"tip\"></div>\n";
  if (!r.report.empty()) body += "<h2>Report</h2><pre id=\"report\">" + escape(r.report) + "</pre>\n";
  Schedule bare = s;
  bare.comments.clear();
  body += "<h2>Schedule</h2><pre id=\"schedule\">" + escape(formatSchedule(bare)) + "</pre>\n";
  return html::page("lifeguard: " + std::string(toString(r.verdict)) + " " + c.source, body, kStyle, kScript);
}

}  // namespace lifeguard::harness
