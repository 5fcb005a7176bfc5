// The pieces every lifeguard HTML page shares (private to the reports).
#pragma once

#include <string>
#include <string_view>

namespace lifeguard::harness::html {

// Text made safe for an element's content or a quoted attribute.
std::string escape(std::string_view text);

// A whole page: doctype, the shared inline style plus `style`, `body`, then
// `script` inline. Nothing is loaded from anywhere else.
std::string page(const std::string& title, const std::string& body, const std::string& style = "",
                 const std::string& script = "");

// A number with `digits` decimals, for CSS percentages.
std::string fixed(double value, int digits = 3);

}  // namespace lifeguard::harness::html
