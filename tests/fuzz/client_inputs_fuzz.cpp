// Fuzz target: `--client-inputs` strings (embed::parse_client_inputs). Properties: the parser
// either fails with a message or returns non-empty, trimmed tokens without separators; joining
// them again with ',' and ';' parses to the same lists.
#include <string>
#include <string_view>

#include "embed/embedded_run.h"
#include "fuzz_util.h"

using namespace stoffel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto clients = embed::parse_client_inputs(text);
  if (!clients) {
    fuzz::check(!clients.error().message.empty(), "client input error without a message");
    return 0;
  }
  std::string joined;
  for (size_t c = 0; c < clients->size(); ++c) {
    const auto& values = (*clients)[c];
    fuzz::check(!values.empty(), "a client without values");
    if (c > 0) joined += ';';
    for (size_t v = 0; v < values.size(); ++v) {
      const std::string& token = values[v];
      fuzz::check(!token.empty(), "an empty client input token");
      fuzz::check(token.find_first_of(";,") == std::string::npos,
                  "a client input token holds a separator", token);
      fuzz::check(token.front() != ' ' && token.front() != '\t' && token.back() != ' ' &&
                      token.back() != '\t',
                  "a client input token is not trimmed", token);
      if (v > 0) joined += ',';
      joined += token;
    }
  }
  auto again = embed::parse_client_inputs(joined);
  fuzz::check(again.ok() && *again == *clients, "re-joined client inputs parse differently",
              joined);
  return 0;
}
