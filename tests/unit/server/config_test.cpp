#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace sesame::server {
namespace {

// The message of the parse error `text` produces, or "" if it parses.
std::string error_of(const std::string& text) {
  try {
    parse_config(text, "test.toml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
    return e.what();
  }
  return "";
}

TEST(Config, EmptyFileGivesSafeDefaults) {
  const ServerConfig c = parse_config("", "empty.toml");
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.store_backend, "sqlite");
  EXPECT_EQ(c.store_path, "sesame.db");
  EXPECT_EQ(c.master_key_path, "master.key");
  EXPECT_EQ(c.pki_dir, "pki");
  EXPECT_FALSE(c.demo_cards);
  EXPECT_TRUE(c.vpcd.empty());
}

TEST(Config, FullFile) {
  const ServerConfig c = parse_config(R"(
[server]
listen_address = "::1"
log_level = "debug"
[store]
backend = "sqlite"
path = "/srv/sesame/cards.db"
master_key = "keys/master.key"
[pki]
dir = "tls"
[demo]
create_cards = true
[[vpcd]]
address = "127.0.0.1:35963"
[[vpcd]]
address = "[::1]:35964"
seid = "card-2"
)",
                                      "full.toml");
  EXPECT_EQ(c.listen_address, "::1");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.store_path, "/srv/sesame/cards.db");
  EXPECT_EQ(c.master_key_path, "keys/master.key");
  EXPECT_EQ(c.pki_dir, "tls");
  EXPECT_TRUE(c.demo_cards);
  ASSERT_EQ(c.vpcd.size(), 2u);
  EXPECT_EQ(c.vpcd[0].host, "127.0.0.1");
  EXPECT_EQ(c.vpcd[0].port, 35963);
  EXPECT_EQ(c.vpcd[0].seid, "");
  EXPECT_EQ(c.vpcd[1].host, "::1");
  EXPECT_EQ(c.vpcd[1].port, 35964);
  EXPECT_EQ(c.vpcd[1].seid, "card-2");
}

TEST(Config, TheShippedDevConfigParses) {
  const ServerConfig c =
      load_config(std::filesystem::path(__FILE__).parent_path() / "../../../etc/sesamed.dev.toml");
  EXPECT_TRUE(c.demo_cards);
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_TRUE(c.vpcd.empty());  // the bridge is off unless --vpcd asks for it
}

TEST(Config, UnknownKeysAreNamed) {
  EXPECT_NE(error_of("[server]\nlisten_adress = \"127.0.0.1\"\n").find("server.listen_adress: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("[stroe]\npath = \"x\"\n").find("stroe: unknown key"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1:1\"\nport = 3\n").find("vpcd[0].port: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("verbose = true\n").find("verbose: unknown key"), std::string::npos);
}

TEST(Config, PostgresStore) {
  const ServerConfig c = parse_config(
      "[store]\nbackend = \"postgres\"\nconninfo = \"host=/run/postgresql dbname=sesame\"\n"
      "node_id = \"node-a\"\nlease_ttl_ms = 3000\nmaster_key = \"/etc/sesame/shared.key\"\n",
      "pg.toml");
  EXPECT_EQ(c.store_backend, "postgres");
  EXPECT_EQ(c.store_conninfo, "host=/run/postgresql dbname=sesame");
  EXPECT_EQ(c.store_node_id, "node-a");
  EXPECT_EQ(c.store_lease_ttl_ms, 3000u);
  EXPECT_EQ(c.master_key_path, "/etc/sesame/shared.key");
  const ServerConfig d = parse_config("", "empty.toml");
  EXPECT_TRUE(d.store_node_id.empty());
  EXPECT_EQ(d.store_lease_ttl_ms, 10000u);
}

TEST(Config, BadValuesAreNamed) {
  EXPECT_NE(error_of("[server]\nlog_level = \"loud\"\n").find("server.log_level"), std::string::npos);
  EXPECT_NE(error_of("[server]\nlog_level = 3\n").find("server.log_level: expected a string"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten_address = \"localhost\"\n").find("server.listen_address"),
            std::string::npos);
  EXPECT_NE(error_of("[store]\nbackend = \"mysql\"\n").find("store.backend"), std::string::npos);
  EXPECT_NE(error_of("[store]\nbackend = \"postgres\"\n").find("store.conninfo: required"), std::string::npos);
  EXPECT_NE(error_of("[store]\nnode_id = \"\"\n").find("store.node_id"), std::string::npos);
  EXPECT_NE(error_of("[store]\nlease_ttl_ms = 50\n").find("store.lease_ttl_ms"), std::string::npos);
  EXPECT_NE(error_of("[store]\nlease_ttl_ms = \"10s\"\n").find("store.lease_ttl_ms"), std::string::npos);
  EXPECT_NE(error_of("[store]\npath = \"\"\n").find("store.path: must not be empty"), std::string::npos);
  EXPECT_NE(error_of("[demo]\ncreate_cards = \"yes\"\n").find("demo.create_cards: expected true or false"),
            std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1\"\n").find("vpcd[0].address"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1:70000\"\n").find("vpcd[0].address"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\nseid = \"x\"\n").find("vpcd[0].address: missing"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1:1\"\nseid = \"a b\"\n").find("vpcd[0].seid"),
            std::string::npos);
  EXPECT_NE(error_of("server = 1\n").find("server: expected a table"), std::string::npos);
  EXPECT_NE(error_of("[vpcd]\naddress = \"127.0.0.1:1\"\n").find("vpcd: expected an array of tables"),
            std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress=\"a:1\"\n[[vpcd]]\naddress=\"a:2\"\n[[vpcd]]\naddress=\"a:3\"\n")
                .find("at most two"),
            std::string::npos);
}

TEST(Config, SyntaxErrorsGiveTheLine) {
  EXPECT_NE(error_of("[server]\nlog_level = \n").find("test.toml:2:"), std::string::npos);
}

TEST(Config, VpcdSlotSyntax) {
  VpcdSlot s = parse_vpcd_slot("127.0.0.1:35963");
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 35963);
  EXPECT_EQ(s.seid, "");
  s = parse_vpcd_slot("localhost:35964,demo");
  EXPECT_EQ(s.host, "localhost");
  EXPECT_EQ(s.port, 35964);
  EXPECT_EQ(s.seid, "demo");
  s = parse_vpcd_slot("[::1]:1");
  EXPECT_EQ(s.host, "::1");
  EXPECT_EQ(s.port, 1);
  for (const char* bad : {"", "host", ":35963", "h:", "h:0", "h:65536", "h:12a", "h:1,", "h:1,bad seid",
                          "[::1]35963", "[::1"}) {
    EXPECT_THROW(parse_vpcd_slot(bad), Error) << bad;
  }
}

TEST(Config, PathsResolveAgainstTheStateDir) {
  EXPECT_EQ(resolve_in_state_dir("/var/lib/sesame", "sesame.db"), "/var/lib/sesame/sesame.db");
  EXPECT_EQ(resolve_in_state_dir("/var/lib/sesame", "/etc/x.db"), "/etc/x.db");
}

TEST(Config, MissingFileIsAnIoError) {
  try {
    load_config("/nonexistent/sesamed.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::io);
  }
}

}  // namespace
}  // namespace sesame::server
