#include "hft/cmd/cli.hpp"

int main(int argc, char** argv) { return hft::cmd::run(argc, argv); }
