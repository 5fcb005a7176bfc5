#include "report/report_html.h"

#include <cstdio>

namespace lifeguard::harness::html {
namespace {

// System fonts only: a report must render the same offline.
constexpr const char* kStyle = R"(
:root { --ok:#2e7d32; --closed:#1565c0; --err:#b26a00; --bad:#c62828; --wait:#9e9e9e; --mark:#6a1b9a; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 24px 40px; color: #1d1d1f; }
h1 { font-size: 20px; margin: 18px 0 6px; }
h2 { font-size: 16px; margin: 24px 0 6px; }
pre { background: #f5f5f7; padding: 10px; overflow-x: auto; font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", monospace; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
table { border-collapse: collapse; }
td, th { border-bottom: 1px solid #ddd; padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }
.verdict { display: inline-block; padding: 2px 8px; border-radius: 4px; color: #fff; background: var(--bad); font-weight: 600; }
.verdict.pass { background: var(--ok); }
.verdict.outside { background: var(--wait); }
.muted { color: #666; }
)";

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string page(const std::string& title, const std::string& body, const std::string& style,
                 const std::string& script) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + escape(title) +
         "</title>\n<style>" + kStyle + style + "</style></head>\n<body>\n" + body +
         (script.empty() ? "" : "<script>\n" + script + "</script>\n") + "</body></html>\n";
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

}  // namespace lifeguard::harness::html
