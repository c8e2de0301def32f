// libsystemc references sc_main; the fuzz targets never start a simulation, so theirs does nothing.
int sc_main(int, char**) { return 0; }
