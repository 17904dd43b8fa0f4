#include "hft/app/digest.hpp"

#include <catch2/catch.hpp>

TEST_CASE("sha256 of the empty string and of abc are the published digests", "[app][digest]") {
    CHECK(hft::app::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hft::app::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
