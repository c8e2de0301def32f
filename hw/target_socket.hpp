// The target socket of every cimsim component: TLM-2.0's tlm_target_socket serving b_transport only.
// cimsim's targets never wait (they book resources and annotate the delay), so they need none of what
// tlm_utils::simple_target_socket adds to convert between the blocking and non-blocking interfaces: a
// process, a payload event queue and three sc_events per socket, each registered under a generated unique
// name. With thousands of targets that was most of a run's elaboration time; this socket is one sc_export
// and its back-path port.
#pragma once

// As with tlm_utils' sockets, which the components used before: a file that includes a component's header
// may sc_spawn (tiles/controller.cpp does).
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>
#include <tlm>

namespace cimsim::hw {

template <typename Module>
class TargetSocket : public tlm::tlm_target_socket<32> {
 public:
  using Callback = void (Module::*)(tlm::tlm_generic_payload&, sc_core::sc_time&);

  explicit TargetSocket(const char* name) : tlm::tlm_target_socket<32>(name), fw_(this) { bind(fw_); }
  using tlm::tlm_target_socket<32>::bind;

  // As simple_target_socket's: b_transport goes to `module->*cb`.
  void register_b_transport(Module* module, Callback cb) {
    fw_.module = module;
    fw_.cb = cb;
  }

 private:
  struct Fw : tlm::tlm_fw_transport_if<> {
    explicit Fw(TargetSocket* s) : socket(s) {}
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override {
      if (!module) SC_REPORT_FATAL("cimsim", (std::string(socket->name()) + ": no b_transport registered").c_str());
      (module->*cb)(gp, delay);
    }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) override {
      SC_REPORT_FATAL("cimsim", (std::string(socket->name()) + ": nb_transport is not supported").c_str());
      return tlm::TLM_COMPLETED;
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
    unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }
    TargetSocket* socket;
    Module* module = nullptr;
    Callback cb = nullptr;
  };
  Fw fw_;
};

}  // namespace cimsim::hw
