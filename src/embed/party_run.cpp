#include "embed/party_run.h"

#include <chrono>
#include <cstdio>

#include "vm/builtins.h"
#include "vm/secret.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::embed {

PartyRunResult run_party(mpc::Party& party, const bytecode::Program& program,
                         const std::string& entry,
                         std::span<const mpc::Party::ClientInputCount> counts,
                         const PartyRunOptions& options, const RunSinks& sinks) {
  PartyRunResult pr;
  PartyBackend backend(party);
  auto fail = [&](Error error) {
    pr.ok = false;
    pr.error = std::move(error);
    pr.stats = party.stats();
    return pr;
  };

  auto inputs = party.receive_client_inputs(counts);
  if (!inputs) return fail(inputs.error().with_context("client input failed: "));

  vm::VmOptions vm_options;
  vm_options.max_call_depth = options.max_call_depth;
  vm_options.max_steps = options.max_steps;
  vm::VirtualMachine machine(vm_options);
  machine.set_output([&pr, &sinks](std::string_view text) {
    pr.out.append(text);
    if (sinks.output) sinks.output(text);
  });
  machine.set_engine(&backend);
  for (size_t c = 0; c < counts.size(); ++c) {
    vm::ClientStore::Client client{counts[c].client_id, {}, {}};
    for (const auto& share : (*inputs)[c]) client.shares.emplace_back(share.begin(), share.end());
    if (c < options.client_input_types.size()) client.types = options.client_input_types[c];
    machine.client_store().clients.push_back(std::move(client));
  }
  vm::register_crypto_builtins(machine);  // Crypto.*, Bytes.* (stoffel_vm_crypto)
  if (auto r = machine.load_program(program); !r) return fail(r.error());
  if (options.trace.instructions || options.trace.registers || options.trace.stack) {
    vm::install_trace_hooks(machine, options.trace, [&sinks](std::string_view line) {
      if (sinks.trace) {
        sinks.trace(line);
      } else {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
      }
    });
  }

  const auto started = std::chrono::steady_clock::now();
  const auto took = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
        .count();
  };
  auto result = machine.execute(entry);
  if (!result) {
    pr.where = machine.last_error_location().to_string();
    pr.program_ms = took();
    return fail(result.error());
  }
  // Secrets in the result (a share, Share objects, arrays and objects holding them) are opened
  // in one batch that every party takes part in, and reported in the clear.
  auto value = vm::open_shares_in(machine, *result);
  if (!value) return fail(value.error().with_context("opening the returned shares failed: "));
  pr.program_ms = took();
  pr.ok = true;
  pr.result = vm::display_string(*value);
  pr.stats = party.stats();
  return pr;
}

std::string format_party_stats(std::size_t index, const mpc::PartyStats& st, double program_ms) {
  const std::string i = std::to_string(index);
  std::string s = "[stats] party " + i + ": multiplications " + std::to_string(st.multiplications) +
                  ", openings " + std::to_string(st.openings) + ", rounds " +
                  std::to_string(st.rounds) + ", bytes sent " + std::to_string(st.bytes_sent) +
                  ", messages sent " + std::to_string(st.messages_sent) + ", triples " +
                  std::to_string(st.triples_consumed) + "/" + std::to_string(st.triples_generated) +
                  " used/generated, random shares " + std::to_string(st.randoms_consumed) + "/" +
                  std::to_string(st.randoms_generated) + ", masks " +
                  std::to_string(st.masks_consumed) + "/" + std::to_string(st.masks_generated);
  if (st.doubles_generated > 0) {
    s += ", double sharings " + std::to_string(st.doubles_consumed) + "/" +
         std::to_string(st.doubles_generated);
    if (st.doubles_pseudo_random > 0) {
      s += " (" + std::to_string(st.doubles_pseudo_random) + " pseudo-random)";
    }
  }
  if (st.bits_generated + st.bits_loaded > 0) {
    s += ", random bits " + std::to_string(st.bits_consumed) + "/" +
         std::to_string(st.bits_generated + st.bits_loaded);
    if (st.bits_pseudo_random > 0) {
      s += " (" + std::to_string(st.bits_pseudo_random) + " pseudo-random)";
    }
  }
  if (st.bounded_generated > 0) {
    s += ", bounded randoms " + std::to_string(st.bounded_consumed) + "/" +
         std::to_string(st.bounded_generated);
  }
  if (st.triples_loaded + st.randoms_loaded + st.masks_loaded + st.bits_loaded > 0) {
    s += ", from the store: " + std::to_string(st.triples_loaded) + " triples, " +
         std::to_string(st.randoms_loaded) + " random shares, " +
         std::to_string(st.masks_loaded) + " masks, " + std::to_string(st.bits_loaded) +
         " random bits";
  }
  s += "\n";
  if (!st.suspected_parties.empty()) {
    s += "[stats] party " + i + " saw wrong shares from parties:";
    for (size_t p : st.suspected_parties) s += " " + std::to_string(p);
    s += "\n";
  }
  if (!st.silent_parties.empty()) {
    s += "[stats] party " + i + " got no answer in time from parties:";
    for (size_t p : st.silent_parties) s += " " + std::to_string(p);
    s += "\n";
  }
  if (program_ms >= 0) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", program_ms);
    s += "[stats] party " + i + ": program ran " + ms + " ms\n";
  }
  return s;
}

}  // namespace stoffel::embed
