// libsystemc references sc_main (extern "C", as <systemc> declares it); the fuzz targets never start a
// simulation, so theirs does nothing.
extern "C" int sc_main(int, char**) { return 0; }
