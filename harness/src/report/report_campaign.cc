// lifeguard run --report: a campaign's index page (report.h).
#include <map>

#include "lifeguard/harness/report.h"
#include "report/report_html.h"

namespace lifeguard::harness {
namespace {

using html::escape;

struct Group {
  std::vector<const CampaignFailure*> failures;
};

std::string groupRow(const Group& group) {
  const CampaignFailure& first = *group.failures.front();
  std::string others;
  for (std::size_t i = 1; i < group.failures.size() && i <= 20; ++i) {
    const CampaignFailure& f = *group.failures[i];
    others += (others.empty() ? "" : ", ") + std::string("<a href=\"") + escape(f.timeline) + "\">" +
              std::to_string(f.seed) + "</a>";
  }
  if (group.failures.size() > 21) others += ", ...";
  std::string verdict(toString(first.verdict));
  return "<tr class=\"group\"><td><span class=\"verdict" + std::string(first.outside ? " outside" : "") + "\">" +
         escape(verdict) + "</span>" + (first.outside ? "<br><span class=\"muted\">outside the contract</span>" : "") +
         "</td><td><code>" + escape(first.group) + "</code><br><span class=\"muted\">" + escape(first.message) +
         "</span></td><td class=\"count\">" + std::to_string(group.failures.size()) + "</td><td><a href=\"" +
         escape(first.timeline) + "\">timeline</a> of seed " + std::to_string(first.seed) + "<br><code>" +
         escape(first.artifact) + "</code><br><span class=\"muted\">" + escape(first.reproduced) + "</span>" +
         (others.empty() ? "" : "<br>also seeds " + others) + "</td></tr>\n";
}

}  // namespace

std::string campaignHtml(const CampaignSummary& s) {
  // Groups in order of their first failure; engine failures before failures
  // outside the contract.
  std::vector<std::string> order;
  std::map<std::string, Group> groups;
  for (bool outside : {false, true}) {
    for (const CampaignFailure& f : s.failures) {
      if (f.outside != outside) continue;
      std::string key = std::string(outside ? "1" : "0") + std::string(toString(f.verdict)) + "\n" + f.group;
      if (groups[key].failures.empty()) order.push_back(key);
      groups[key].failures.push_back(&f);
    }
  }
  std::size_t engine_failures = 0, engine_groups = 0;
  for (const CampaignFailure& f : s.failures) engine_failures += f.outside ? 0 : 1;
  for (const std::string& key : order) engine_groups += key[0] == '0' ? 1 : 0;
  double rate = s.seconds > 0 ? static_cast<double>(s.runs) / s.seconds : 0;
  std::string body = "<h1>lifeguard campaign: " + escape(s.engine) + ", policy " + escape(s.policy) + "</h1>\n";
  body += "<table id=\"summary\">"
          "<tr><th>engine</th><td>" + escape(s.engine) + " <span class=\"muted\">" +
          escape(s.engine_description) + "</span></td></tr>"
          "<tr><th>policy</th><td>" + escape(s.policy) + "</td></tr>"
          "<tr><th>strategy</th><td>scheduler " + escape(s.scheduler) + ", seeds from " +
          std::to_string(s.first_seed) + "</td></tr>"
          "<tr><th>schedules</th><td>" + std::to_string(s.schedules) + ", " + std::to_string(s.runs) + " runs in " +
          html::fixed(s.seconds, 1) + " s (" + html::fixed(rate, 1) + " runs/s)" +
          (s.parts.empty() ? "" : ", " + escape(s.parts)) + (s.finished ? "" : " <b>still running</b>") +
          "</td></tr>"
          "<tr><th>failures</th><td>" + std::to_string(engine_failures) + " in " +
          std::to_string(engine_groups) + " groups" +
          (engine_failures == s.failures.size()
               ? ""
               : ", and " + std::to_string(s.failures.size() - engine_failures) +
                     " outside the contract (the caller's fault, not engine bugs)") + "</td></tr>"
          "<tr><th>exercised</th><td>" + escape(s.exercised.empty() ? "no close overlapped any work" : s.exercised) +
          "</td></tr></table>\n";
  if (order.empty()) return html::page("lifeguard campaign: " + s.engine, body + "<h2>No failures</h2>\n");
  body += "<h2>Failures by verdict and place</h2>\n<table id=\"groups\"><tr><th>verdict</th><th>where</th>"
          "<th>count</th><th>first failure</th></tr>\n";
  for (const std::string& key : order) body += groupRow(groups[key]);
  body += "</table>\n";
  return html::page("lifeguard campaign: " + s.engine, body);
}

}  // namespace lifeguard::harness
